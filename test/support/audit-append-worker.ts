// Appends entries from a separate process, for the test that several
// processes appending at once still make one chain. Not a test itself.
import { openDatabase } from '../../src/store/database.ts';
import { AuditLog } from '../../src/security/audit/audit-log.ts';

const [file, count, actor] = process.argv.slice(2);
const db = openDatabase(file!);
const log = new AuditLog(db);
for (let i = 0; i < Number(count); i++) {
  log.append({ actor: actor!, action: 'deploy', target: `service/web-${i}`, outcome: 'allowed', from: '127.0.0.1' });
}
db.close();
