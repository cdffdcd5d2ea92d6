/*
 * text.h: the cold texts, what crtoken prints rarely, kept here readable
 * and editable and built into the binary only compressed, 7.6 KB in 3.7
 * (pack.c makes build/text.c from this file; unpack.h's text() gives them
 * back). Each is one string literal; text() has them one after the other
 * in one buffer, each with its terminating NUL, at the offsets below. The
 * literals themselves are used only by sizeof, by pack.c and by the tests:
 * every byte must be below 0x80.
 *
 * TEXT_USAGE: the --help text (tool.c).
 * TEXT_ERRTAB: BearSSL's error codes (BR_ERR_*, all below 64), named and
 * explained (tls.c): entries of a code byte, the name without "BR_ERR_",
 * the meaning ("" for the ones a user does not act on: "malformed
 * certificate" or "TLS protocol error"), without a pointer table to keep
 * it small.
 * TEXT_ERRWORDS: the strerror() words of the errors crtoken can meet
 * (msg.c's errnos, in that order), in musl's words.
 */
#ifndef TEXT_H
#define TEXT_H

#define TEXT_DEFAULT_URL "https://iam.cloud.ibm.com"

#define TEXT_USAGE \
"usage: crtoken [options]                 exchange once, print the access token\n" \
"       crtoken watch -o FILE [options]   keep FILE holding a valid token\n" \
"       crtoken exec [options] -- CMD [ARGS...]\n" \
"\t\t\t\t\t CMD with the token in its environment\n" \
"       crtoken exec --watch [-o FILE [--signal SIG]] [options] -- CMD...\n" \
"\t\t\t\t\t CMD kept supplied with fresh tokens\n" \
"       crtoken check [options]           diagnose the setup step by step\n" \
"       crtoken probe FILE [--min-valid SECONDS]\n" \
"\t\t\t\t\t FILE holds a token valid that long\n" \
"\t\t\t\t\t (default 60 s; no network)\n" \
"       crtoken credential-helper get|list|store|erase\n" \
"\t\t\t\t\t docker's credential helper protocol, as\n" \
"\t\t\t\t\t docker-credential-crtoken too [CRTOKEN_CACHE,\n" \
"\t\t\t\t\t CRTOKEN_ACCESS_TOKEN_FILE]\n" \
"options ([VAR]: the environment fallback, beaten by the flag; see crtoken(1)):\n" \
"  --profile-id ID, --profile-name NAME, --profile-crn CRN   the trusted profile\n" \
"\t      [IAM_PROFILE_ID, IAM_PROFILE_NAME, IAM_PROFILE_CRN]; one or more\n" \
"\t\t\tkinds, all sent; per kind a flag beats the variables;\n" \
"\t\t\ttwo values of one kind from one side: exit 2\n" \
"  --profile X           an id (Profile-...), a CRN (crn:...) or a name\n" \
"\t\t\t[IBMCLOUD_CR_PROFILE]\n" \
"  --token-file PATH     the CR token [CR_TOKEN_FILENAME]; default: the first of\n" \
"\t\t\t/var/run/secrets/tokens/vault-token, .../sa-token, and\n" \
"\t\t\tCode Engine's compute-resource-token/token\n" \
"  --url URL             [https://]HOST[:PORT][/PATH] [IAM_URL]; default\n" \
"\t\t\t" TEXT_DEFAULT_URL "\n" \
"  --private [--region R]  https://private[.R].iam.cloud.ibm.com\n" \
"  --scope S             send scope=S\n" \
"  --cacert FILE         trust its PEM certificates, not the embedded roots\n" \
"\t\t\t[SSL_CERT_FILE]\n" \
"  --proxy URL           http://[USER:PASSWORD@]HOST[:PORT], \"\" for none\n" \
"\t\t\t[HTTPS_PROXY, https_proxy, ALL_PROXY, all_proxy]\n" \
"  --noproxy LIST        names, addresses or * to reach directly [NO_PROXY,\n" \
"\t\t\tno_proxy]\n" \
"  --timeout SECONDS     the whole run (watch: each exchange); default 30\n" \
"  --connect-timeout SECONDS   each connection attempt; default 10\n" \
"  --retries N           retry codes 4, 5, 7 (I/O), 9, 11, 12 N times; default 4\n" \
"  -o, --output FILE     write FILE atomically (a FIFO or device in place)\n" \
"  --mode OCTAL          the mode of FILE; default 0600\n" \
"  -f, --format FMT      token (default), json, header, env or docker (an auth\n" \
"\t\t\tfile: user iambearer for each registry)\n" \
"  --registry HOST       docker: a registry, repeatable [CRTOKEN_REGISTRIES];\n" \
"\t\t\tdefault: icr.io and its regional domains (--private:\n" \
"\t\t\ttheir private. forms)\n" \
"  --ready-file PATH     watch: exists while FILE holds an unexpired token\n" \
"  --env NAME            exec: the token's variable; default IAM_ACCESS_TOKEN\n" \
"\t\t\t(-f docker: DOCKER_AUTH_CONFIG)\n" \
"  --watch               exec: refresh at 80% of the lifetime; restart CMD\n" \
"\t\t\twith each new token (--restart, the default), or\n" \
"  --signal SIG          replace -o FILE, then send SIG (HUP, SIGUSR1, 10)\n" \
"  --stop-signal SIG     stops CMD for a restart; default TERM\n" \
"  --stop-timeout SECONDS  then SIGKILL; default 10\n" \
"  --json                check: the report as JSON\n" \
"  -v, --verbose         progress on stderr (tokens redacted)\n" \
"  -q, --quiet           no error line\n" \
"  --log json            each stderr line one JSON object (time, level, event,\n" \
"\t\t\tmsg, ...); --log text: the default\n" \
"  -h, --help            this help\n" \
"  --version             versions, number of embedded roots\n" \
"exit codes:\n" \
"   0  success\n" \
"   1  internal error (a bug, out of memory, no entropy from the kernel)\n" \
"   2  usage or configuration error (bad flag/env, no profile, bad URL, bad\n" \
"      --cacert, bad mode)\n" \
"   3  CR token file missing, unreadable, not a regular file, empty, too\n" \
"      large or malformed\n" \
"   4  name resolution failed\n" \
"   5  connection failed (refused, unreachable, reset before TLS)\n" \
"   6  proxy failed (refused CONNECT or answered garbage)\n" \
"   7  TLS handshake failed (protocol/version, cipher, alert, closed\n" \
"      mid-handshake)\n" \
"   8  server certificate rejected (untrusted, expired, wrong name, RSA\n" \
"      key under 2048 bits)\n" \
"   9  deadline passed (--timeout)\n" \
"  10  IAM rejected the request: HTTP 4xx other than 429\n" \
"  11  IAM rate limit: HTTP 429\n" \
"  12  IAM server error: HTTP 5xx\n" \
"  13  invalid response: malformed HTTP or JSON, status outside 100-599 or\n" \
"      2xx other than 200, missing access_token, a token expired on\n" \
"      arrival, a body cut without TLS close_notify, over the size caps\n" \
"  14  could not write the output (file, directory, stdout)\n" \
"exec: 126 when CMD cannot be executed, 127 when it is not found (or \"\").\n" \
"credential-helper get: 1 and \"credentials not found\" for another registry.\n" \
"probe: 0 valid, 2 usage, 3 FILE missing or unreadable, 13 not a token\n" \
"crtoken wrote (or without expiry), 15 expired or valid for less than SECONDS.\n" \
"watch: 0 when stopped by SIGTERM or SIGINT. The other modes: 128+N when\n" \
"stopped by signal N before they finish (143 SIGTERM, 130 SIGINT, 129\n" \
"SIGHUP, 131 SIGQUIT, 138 SIGUSR1, 140 SIGUSR2), even as PID 1.\n"

#define TEXT_ERRTAB \
"\x01" "BAD_PARAM\0" "\0" \
"\x02" "BAD_STATE\0" "\0" \
"\x03" "UNSUPPORTED_VERSION\0" "the server does not speak TLS 1.2\0" \
"\x04" "BAD_VERSION\0" "\0" \
"\x05" "BAD_LENGTH\0" "\0" \
"\x06" "TOO_LARGE\0" "\0" \
"\x07" "BAD_MAC\0" "record failed authentication\0" \
"\x08" "NO_RANDOM\0" "no entropy\0" \
"\x09" "UNKNOWN_TYPE\0" "\0" \
"\x0a" "UNEXPECTED\0" "unexpected message\0" \
"\x0c" "BAD_CCS\0" "\0" \
"\x0d" "BAD_ALERT\0" "\0" \
"\x0e" "BAD_HANDSHAKE\0" "malformed handshake message (is this a TLS server?)\0" \
"\x0f" "OVERSIZED_ID\0" "\0" \
"\x10" "BAD_CIPHER_SUITE\0" "the server chose a cipher suite we did not offer\0" \
"\x11" "BAD_COMPRESSION\0" "\0" \
"\x12" "BAD_FRAGLEN\0" "\0" \
"\x13" "BAD_SECRENEG\0" "\0" \
"\x14" "EXTRA_EXTENSION\0" "\0" \
"\x15" "BAD_SNI\0" "\0" \
"\x16" "BAD_HELLO_DONE\0" "\0" \
"\x17" "LIMIT_EXCEEDED\0" "\0" \
"\x18" "BAD_FINISHED\0" "\0" \
"\x19" "RESUME_MISMATCH\0" "\0" \
"\x1a" "INVALID_ALGORITHM\0" "unsupported signature or key exchange algorithm\0" \
"\x1b" "BAD_SIGNATURE\0" "bad ServerKeyExchange signature\0" \
"\x1c" "WRONG_KEY_USAGE\0" "the server key's usage forbids this cipher suite\0" \
"\x1f" "IO\0" "I/O error\0" \
"\x21" "X509_INVALID_VALUE\0" "\0" \
"\x22" "X509_TRUNCATED\0" "\0" \
"\x23" "X509_EMPTY_CHAIN\0" "the server sent no certificate\0" \
"\x24" "X509_INNER_TRUNC\0" "\0" \
"\x25" "X509_BAD_TAG_CLASS\0" "\0" \
"\x26" "X509_BAD_TAG_VALUE\0" "\0" \
"\x27" "X509_INDEFINITE_LENGTH\0" "\0" \
"\x28" "X509_EXTRA_ELEMENT\0" "\0" \
"\x29" "X509_UNEXPECTED\0" "\0" \
"\x2a" "X509_NOT_CONSTRUCTED\0" "\0" \
"\x2b" "X509_NOT_PRIMITIVE\0" "\0" \
"\x2c" "X509_PARTIAL_BYTE\0" "\0" \
"\x2d" "X509_BAD_BOOLEAN\0" "\0" \
"\x2e" "X509_OVERFLOW\0" "\0" \
"\x2f" "X509_BAD_DN\0" "\0" \
"\x30" "X509_BAD_TIME\0" "malformed validity date\0" \
"\x31" "X509_UNSUPPORTED\0" "unsupported certificate feature or algorithm\0" \
"\x32" "X509_LIMIT_EXCEEDED\0" "certificate over a decoder limit\0" \
"\x33" "X509_WRONG_KEY_TYPE\0" "the key type does not match the cipher suite\0" \
"\x34" "X509_BAD_SIGNATURE\0" "a certificate's signature does not verify\0" \
"\x35" "X509_TIME_UNKNOWN\0" "the current time is unknown\0" \
"\x36" "X509_EXPIRED\0" "a certificate in the chain is expired or not yet valid (check the clock)\0" \
"\x37" "X509_DN_MISMATCH\0" "the chain is out of order\0" \
"\x38" "X509_BAD_SERVER_NAME\0" "the certificate is not for this host name or IP address\0" \
"\x39" "X509_CRITICAL_EXTENSION\0" "unsupported critical extension\0" \
"\x3a" "X509_NOT_CA\0" "an intermediate is not a CA\0" \
"\x3b" "X509_FORBIDDEN_KEY_USAGE\0" "the key usage forbids TLS server use\0" \
"\x3c" "X509_WEAK_PUBLIC_KEY\0" "public key too small\0" \
"\x3e" "X509_NOT_TRUSTED\0" "the chain does not end at a trusted root\0"

#define TEXT_ERRWORDS \
"Operation not permitted\0No such file or directory\0" \
"Interrupted system call\0I/O error\0No such device or address\0" \
"Argument list too long\0Exec format error\0Bad file descriptor\0" \
"Out of memory\0Permission denied\0Resource busy\0File exists\0" \
"Cross-device link\0No such device\0Not a directory\0Is a directory\0" \
"Invalid argument\0Too many open files in system\0" \
"No file descriptors available\0Text file busy\0File too large\0" \
"No space left on device\0Read-only file system\0Broken pipe\0" \
"Filename too long\0Symbolic link loop\0Function not implemented\0" \
"Resource temporarily unavailable\0" \
"Address family not supported by protocol\0Address not available\0" \
"Network is down\0Network unreachable\0Connection aborted\0" \
"Connection reset by peer\0Operation timed out\0Connection refused\0" \
"Host is down\0Host is unreachable\0Quota exceeded\0" \
"Socket not connected\0Address in use\0"

/* where each starts in the unpacked buffer, and its length */
enum {
	TEXT_USAGE_AT = 0,
	TEXT_ERRTAB_AT = TEXT_USAGE_AT + sizeof TEXT_USAGE,
	TEXT_ERRWORDS_AT = TEXT_ERRTAB_AT + sizeof TEXT_ERRTAB,
	TEXT_LEN = TEXT_ERRWORDS_AT + sizeof TEXT_ERRWORDS
};

#endif
