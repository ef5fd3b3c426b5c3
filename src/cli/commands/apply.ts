import { resolve } from 'node:path';
import type { StatusView } from '../../api/views.ts';
import { loadSpecFile } from '../../spec/index.ts';
import { readArtifact } from '../../supply-chain/artifact-source.ts';
import type { ApiClient } from '../client.ts';
import { exitCodeOf, followDeployment } from '../follow.ts';
import { EXIT } from '../output.ts';

/** `cutover apply -f FILE [--wait]`: validate, pack and upload the artifact, start the deployment. */
export async function applyCommand(client: ApiClient, file: string, options: { wait?: boolean }): Promise<number> {
  const { spec, document, baseDir } = await loadSpecFile(file);
  const { data, signature } = await readArtifact(resolve(baseDir, spec.artifact.path));
  const { digest } = await client.request<{ digest: string }>('POST', '/v1/artifacts', undefined, { data, type: 'application/octet-stream' });
  const artifact = { digest, size: data.length, ...(signature ? { signature } : {}) };
  const result = await client.request<{ deployment: number; revision: number; status: StatusView }>('POST', '/v1/apply', { spec: document, artifact });
  process.stdout.write(`${spec.name}: deployment ${result.deployment} started: revision ${result.revision} (version ${spec.version}, artifact sha256:${digest.slice(0, 12)}, ${result.status.deployment.strategy})\n`);
  if (!options.wait) return EXIT.ok;
  const final = await followDeployment(client, spec.name, result.deployment);
  process.stdout.write(`${spec.name}: ${final.phase}: ${final.message}\n`);
  return exitCodeOf(final);
}
