import { messageOf } from '../../core/errors.ts';
import { DeliveryError, isRetryableStatus } from './delivery-error.ts';

/**
 * Where a URL points, for logs and results: its host only, because webhook
 * URLs often carry their credential in the path (Slack's do).
 */
export function describeUrl(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an invalid URL';
  }
}

/** POSTs a JSON body; resolves on 2xx, otherwise throws a DeliveryError with the status. */
export async function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'cutover-alerts', ...headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
  } catch (error) {
    const cause = error instanceof Error && error.cause ? `: ${messageOf(error.cause)}` : '';
    throw new DeliveryError(`POST to ${describeUrl(url)} failed: ${messageOf(error)}${cause}`, { retryable: true, cause: error });
  }
  // Read the answer in full so the connection is reused; a short excerpt explains a refusal ("invalid_payload").
  const text = await response.text().catch(() => '');
  if (response.ok) return response.status;
  const excerpt = text.trim().slice(0, 200);
  throw new DeliveryError(`${describeUrl(url)} answered ${response.status}${excerpt ? `: ${excerpt}` : ''}`, {
    status: response.status,
    retryable: isRetryableStatus(response.status),
  });
}
