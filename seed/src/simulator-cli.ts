import { startSimulator } from './simulator/simulator.ts';

// pnpm --filter @cityops/seed simulate -- --url http://localhost:3000 --rate 5
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const sim = startSimulator({
  baseUrl: args.get('url') ?? 'http://localhost:3000',
  password: args.get('password') ?? process.env.DEMO_PASSWORD ?? 'cityops',
  rate: Number(args.get('rate') ?? 5),
  workers: Number(args.get('workers') ?? 60),
  log: { info: (o, m) => console.log(m, o), warn: (o, m) => console.warn(m, o) },
});
process.on('SIGINT', () => {
  sim.stop();
  process.exit(0);
});
