import { headerValue } from './components.ts';
import { StructuredFieldError, parseDictionary } from './structured-fields.ts';
import type { Dictionary, InnerList } from './structured-fields.ts';
import type { HttpHeaders } from './types.ts';

/** One signature found in a message: its label, what it covers and its bytes. */
export interface ReceivedSignature {
  label: string;
  input: InnerList;
  signature: Uint8Array;
}

export type ReadSignature = { ok: true; found: ReceivedSignature } | { ok: false; reason: string };

function dictionary(text: string, name: string): Dictionary | string {
  try {
    return parseDictionary(text);
  } catch (error) {
    if (!(error instanceof StructuredFieldError)) throw error;
    return `${name} is not an RFC 8941 dictionary (${error.message})`;
  }
}

/**
 * Finds the signature with `label` (or, without one, the first listed in
 * Signature-Input) and checks both headers have the shape RFC 9421 §4 gives
 * them: an inner list in Signature-Input, a byte sequence in Signature.
 */
export function readSignature(headers: HttpHeaders, label?: string): ReadSignature {
  const inputText = headerValue(headers, 'signature-input');
  const signatureText = headerValue(headers, 'signature');
  if (inputText === undefined || signatureText === undefined) {
    const missing = [inputText === undefined && 'Signature-Input', signatureText === undefined && 'Signature'].filter(Boolean).join(' and ');
    return { ok: false, reason: `the request is not signed: ${missing} missing; sign it with an HTTP Message Signature (RFC 9421)` };
  }
  const inputs = dictionary(inputText, 'Signature-Input');
  if (typeof inputs === 'string') return { ok: false, reason: inputs };
  const signatures = dictionary(signatureText, 'Signature');
  if (typeof signatures === 'string') return { ok: false, reason: signatures };

  const chosen = label ?? inputs.keys().next().value;
  if (chosen === undefined) return { ok: false, reason: 'Signature-Input is empty' };
  const input = inputs.get(chosen);
  const signature = signatures.get(chosen);
  if (input === undefined) return { ok: false, reason: `Signature-Input has no signature labelled ${chosen}; it has ${[...inputs.keys()].join(', ')}` };
  if (signature === undefined) return { ok: false, reason: `Signature has no value for label ${chosen}, though Signature-Input lists it` };
  if (input.kind !== 'inner-list') return { ok: false, reason: `Signature-Input ${chosen} must be an inner list of components, like ("@method" "@target-uri")` };
  if (signature.kind !== 'item' || signature.value.type !== 'bytes') return { ok: false, reason: `Signature ${chosen} must be a byte sequence, like :base64:` };
  return { ok: true, found: { label: chosen, input, signature: signature.value.value } };
}
