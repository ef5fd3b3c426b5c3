export { formatAddress, parseAddress, parseRange, type AddressRange, type IpAddress } from './address.ts';
export { checkOutbound, outboundPolicy, parseAllowEntry, type AllowEntry, type OutboundPolicy, type OutboundVerdict } from './allow-list.ts';
export { embeddedIpv4, specialRange, SPECIAL_KINDS, type SpecialKind, type SpecialRange } from './classify.ts';
export { MAX_REPLY_BYTES, OutboundRefused, outboundRequest, type OutboundReply, type OutboundRequest } from './request.ts';
