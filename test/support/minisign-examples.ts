/**
 * Files written by Debian's minisign 0.11, so the unit tests check the real
 * formats even where the tool is not installed. These keys guard nothing.
 * Only tests import this.
 */

/** `minisign -G -W`: an unencrypted key pair; minisign leaves its checksum zero. */
export const TOOL_PUBLIC_KEY = `untrusted comment: minisign public key 528FE4CB40DB5BA5
RWSlW9tAy+SPUucv5P6E+GDWOhayVwM34H+4rXxoWPZ718HpY+VWgcR6
`;
export const TOOL_SECRET_KEY = `untrusted comment: minisign encrypted secret key
RWQAAEIyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAApVvbQMvkj1LiykL4uJJDXXcBT5Ko1IUn74+bnmi8jvWVMfFN8laphucv5P6E+GDWOhayVwM34H+4rXxoWPZ718HpY+VWgcR6AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
`;
export const TOOL_KEY_ID = '528FE4CB40DB5BA5';

/** The file the tool signed. */
export const ARTIFACT = new TextEncoder().encode('cutover release 1.2.3\n');

/** `minisign -S -t 'release 1.2.3 of web'`: prehashed (`ED`). */
export const TOOL_SIGNATURE = `untrusted comment: signature from minisign secret key
RUSlW9tAy+SPUvTokei6UyNk92MFfQzwKQnJnaYvVX/yXnjGzpwRTDWDL/lQ/a+wIUiVlV2xqP+IFMHXQ2gwQEAmjJntR3BOQQg=
trusted comment: release 1.2.3 of web
vYTN9AKhEPlO+4cuFpbOqQb6LH4waMS+eazjyPTDzen4qALwng0YUmBt1PMyQdPo+BohMGd+8IT8m6pFLSUXBg==
`;

/** `minisign -S -l -t 'release 1.2.3 of web (legacy)'`: legacy (`Ed`). */
export const TOOL_LEGACY_SIGNATURE = `untrusted comment: signature from minisign secret key
RWSlW9tAy+SPUjHvxbxEVxEcWCr5EeuxsAgJL5MiXfab2UpnIYYyO/lPyJqLNw9GQypCpNdhzieoboS8wVQTTPQl9XI2cyBxdwU=
trusted comment: release 1.2.3 of web (legacy)
NwlzwsBooAKdHYr3hPmoO2HRAAi331F3m2dxMXJ5ss+HaTBL9DcNU53YovnHyTeMpJHANDTwjG8Kk3cQiJUoBg==
`;

/**
 * A key made with a password, then unlocked with `minisign -C -W`: unlike a
 * -W key it keeps the BLAKE2b-256 checksum computed at encryption.
 */
export const UNLOCKED_PUBLIC_KEY = 'RWSj8EX+1hQJ8RvgGMJaKhMaPVWxUt+NfdQsvR+Y+386jr9p6yBOwq8l';
export const UNLOCKED_SECRET_KEY = `untrusted comment: minisign encrypted secret key
RWQAAEIyrRozaxtYkH67DjQPg61MUuYPuy8XGrtC+M6KzRSl7ZwAAAACAAAAAAAAAEAAAAAAo/BF/tYUCfEcMSBEGQNfxk635OEeZrCEbieqiwkba7CKbI+xVpjGZRvgGMJaKhMaPVWxUt+NfdQsvR+Y+386jr9p6yBOwq8l7Yw+Mv5GVE2B33I2hDHum9o32pUNvoUDq7U/NAcqfbg=
`;
