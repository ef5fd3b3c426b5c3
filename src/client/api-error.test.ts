import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.ts';

describe('ApiError.fromAnswer', () => {
  it("keeps everything the server's error said: code, message, context, problems, and the status", () => {
    const body = {
      error: {
        code: 'InvalidSpec',
        message: 'the spec is not valid',
        context: { service: 'shop', revision: 3 },
        problems: [{ path: 'spec.port', message: 'expected an integer' }],
      },
    };
    const error = ApiError.fromAnswer(400, 'Bad Request', JSON.stringify(body));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: 'InvalidSpec', message: 'the spec is not valid', context: { service: 'shop', revision: 3 } });
    expect(error.problems).toEqual([{ path: 'spec.port', message: 'expected an integer' }]);
  });

  it('uses the text of an answer that is not a cutover error (a proxy page), or the status text when there is none', () => {
    expect(ApiError.fromAnswer(502, 'Bad Gateway', '<h1>bad gateway</h1>')).toMatchObject({ status: 502, code: 'Error', message: '<h1>bad gateway</h1>', context: {}, problems: [] });
    expect(ApiError.fromAnswer(503, 'Service Unavailable', '')).toMatchObject({ message: 'Service Unavailable' });
    expect(ApiError.fromAnswer(500, '', '   ')).toMatchObject({ message: 'HTTP 500' });
    expect(ApiError.fromAnswer(500, '', '{"error":"oops"}')).toMatchObject({ code: 'Error', message: '{"error":"oops"}' });
  });

  it('drops malformed fields instead of trusting them', () => {
    const body = { error: { code: 7, message: '', context: ['x'], problems: [{ path: 'a', message: 'b' }, { path: 1 }, 'c', null] } };
    const error = ApiError.fromAnswer(409, 'Conflict', JSON.stringify(body));
    expect(error).toMatchObject({ code: 'Error', message: 'Conflict', context: {} });
    expect(error.problems).toEqual([{ path: 'a', message: 'b' }]);
  });

  it('cuts a huge message short', () => {
    expect(ApiError.fromAnswer(502, '', 'x'.repeat(100_000)).message.length).toBeLessThan(2_100);
  });
});
