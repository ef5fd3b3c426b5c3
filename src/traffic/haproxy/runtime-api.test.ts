import { describe, expect, it } from 'vitest';
import { tunnelsTo } from './runtime-api.ts';

/** Two streams of `show sess all` as HAProxy 2.6 prints them (abridged): a WebSocket to s0 and a request waiting on s0. */
const SESSIONS = `0x557405f5e3c0: [30/Nov/2026:19:40:10.143264] id=0 proto=tcpv4 source=127.0.0.1:42562
  frontend=main (id=2 mode=http), listener=? (id=1) addr=127.0.0.1:18556
  backend=weighted (id=3 mode=http) addr=127.0.0.1:50516
  server=s0 (id=1) addr=127.0.0.1:18555
  txn=0x5574060782a0 flags=0x8000 meth=1 status=101 req.st=MSG_TUNNEL rsp.st=MSG_TUNNEL req.f=0xcc rsp.f=0xcc
0x7f1798042150: [30/Nov/2026:19:40:10.143173] id=1 proto=tcpv4 source=127.0.0.1:42568
  backend=weighted (id=3 mode=http) addr=127.0.0.1:50530
  server=s0 (id=1) addr=127.0.0.1:18555
  txn=0x7f1798042720 flags=0x3000 meth=1 status=-1 req.st=MSG_DONE rsp.st=MSG_RPBEFORE req.f=0x4c rsp.f=0x00
`;

describe('tunnelsTo', () => {
  it('names the upgraded streams to a server and leaves its plain requests alone', () => {
    expect(tunnelsTo(SESSIONS, 's0')).toEqual(['0x557405f5e3c0']);
  });

  it('does not take s1 for s10, nor any other server', () => {
    expect(tunnelsTo(SESSIONS.replaceAll('server=s0 ', 'server=s10 '), 's1')).toEqual([]);
    expect(tunnelsTo(SESSIONS, 's3')).toEqual([]);
  });
});
