export { createApp, type App, type AppOptions } from './app.ts';
export { loadConfig, type Config } from './config.ts';
export { hashPassword } from './auth/passwords.ts';
export { createDisplayToken } from './auth/sessions.ts';
