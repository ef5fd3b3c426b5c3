import { CutoverError, ErrorCode } from '../../core/errors.ts';
import { componentId, componentValue } from './components.ts';
import { innerList, serializeInnerList, serializeItem, sfInteger, sfString } from './structured-fields.ts';
import type { BareItem, InnerList, Parameters } from './structured-fields.ts';
import type { HttpMessage, SignatureParams } from './types.ts';

/**
 * The Signature-Input member for a signature: the covered components with
 * the signature parameters, in the order `SignatureParams` lists them.
 */
export function signatureInput(components: readonly string[], params: SignatureParams): InnerList {
  const written: Parameters = new Map<string, BareItem>();
  if (params.created !== undefined) written.set('created', sfInteger(params.created));
  if (params.keyid !== undefined) written.set('keyid', sfString(params.keyid));
  if (params.alg !== undefined) written.set('alg', sfString(params.alg));
  if (params.expires !== undefined) written.set('expires', sfInteger(params.expires));
  if (params.nonce !== undefined) written.set('nonce', sfString(params.nonce));
  if (params.tag !== undefined) written.set('tag', sfString(params.tag));
  return innerList(components.map(componentId), written);
}

/**
 * The signature base (RFC 9421 §2.5): one `"name": value` line per covered
 * component, in the order they are listed, then the `@signature-params` line.
 * Lines are joined by LF with no trailing newline. Throws CutoverError when a
 * component is missing, repeated or unknown: a signer must not sign it and a
 * verifier must not accept it.
 */
export function signatureBase(message: HttpMessage, input: InnerList): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const id of input.items) {
    const name = serializeItem(id);
    if (seen.has(name)) throw new CutoverError(ErrorCode.InvalidRequest, `component ${name} is covered twice`);
    seen.add(name);
    const value = componentValue(message, id);
    if (/[\r\n]/.test(value)) throw new CutoverError(ErrorCode.InvalidRequest, `component ${name} has a line break in its value`);
    lines.push(`${name}: ${value}`);
  }
  lines.push(`"@signature-params": ${serializeInnerList(input)}`);
  return lines.join('\n');
}
