/**
 * A second cityops process for the data-directory lock test: opens the PGlite directory given
 * as the first argument with the real `open`, prints the descriptions of the incidents it
 * finds as one JSON line, and closes. A refused open is left uncaught, so the process exits
 * non-zero with the error on stderr, as the server itself would.
 *
 *   tsx test/support/open-data-dir.ts <dir>
 */
import { open, incidents } from '@cityops/db';

const dir = process.argv[2];
if (!dir) throw new Error('usage: open-data-dir.ts <dir>');
const database = await open({ dataDir: dir });
try {
  const rows = await database.db.select({ description: incidents.description }).from(incidents);
  process.stdout.write(`${JSON.stringify({ descriptions: rows.map((r) => r.description) })}\n`);
} finally {
  await database.close();
}
