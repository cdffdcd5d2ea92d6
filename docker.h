/*
 * docker.h: container registry credentials from the IAM token.
 *
 * IBM Cloud Container Registry takes an IAM access token as the password of
 * the user "iambearer". crtoken hands it to registry clients two ways:
 *
 *  - --format docker: an auth file as docker, podman, buildah, skopeo,
 *    kaniko and crane read it, {"auths":{"HOST":{"auth":"<base64 of
 *    iambearer:TOKEN>"},...}}, one entry per registry;
 *  - the docker-credential-helpers protocol (docker_server() and the
 *    answers below; tool.c runs it): "get" answers
 *    {"ServerURL":...,"Username":"iambearer","Secret":TOKEN} for a
 *    configured registry, "list" names them.
 *
 * The registries: --registry HOST (repeatable), else CRTOKEN_REGISTRIES
 * (hosts separated by commas or white space), else every IBM Cloud
 * Container Registry domain (icr.io and the regional ones), or their
 * private. forms (--private). A host is a DNS name or an IPv4 address, or
 * an IPv6 one in brackets, with an optional :PORT (1 to 65535, no leading
 * zero); stored lower case.
 */
#ifndef DOCKER_H
#define DOCKER_H

#include <stddef.h>

#include "iam.h"

#define DOCKER_USER "iambearer"
#define DOCKER_HOSTS_MAX 16
#define DOCKER_HOST_MAX 261	/* a 253-byte name (or [IPv6]) and ":65535" */

struct docker {
	int n;
	char host[DOCKER_HOSTS_MAX][DOCKER_HOST_MAX + 1];
};

extern struct docker docker;	/* the registries of this run */

/* docker_add(): add host (checked, lower-cased; a repeat is dropped): 0, or -1 when invalid or full. */
int docker_add(struct docker *d, const char *host);

/* docker_icr(): add the IBM Cloud Container Registry domains, private. ones when private is set. */
void docker_icr(struct docker *d, int private);

/*
 * docker_auths(): the auth file for token into out (cap bytes), without a
 * final newline: the length needed (>= cap: it did not fit).
 */
size_t docker_auths(const struct docker *d, const char *token, char *out, size_t cap);

/*
 * docker_server(): the registry a helper's server URL names ("icr.io",
 * "https://us.icr.io/v2/", "HOST:5000"): white space, an http:// or
 * https:// at the start, and the path dropped, lower-cased into host (DOCKER_HOST_MAX + 1 bytes). The index
 * in d, or -1 when it is none of d's.
 */
int docker_server(const struct docker *d, const char *url, char *host);

/* The largest auth file: every host with a token of IAM_TOKEN_MAX bytes. */
#define DOCKER_OUT_MAX (DOCKER_HOSTS_MAX * (DOCKER_HOST_MAX + 24 + \
	(IAM_TOKEN_MAX + 12) / 3 * 4 + 4) + 16)
_Static_assert(DOCKER_OUT_MAX < IAM_OUT_MAX, "IAM_OUT_MAX holds any auth file");

#endif
