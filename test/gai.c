/*
 * test/gai.c: musl's own getaddrinfo(), for net.py to hold dns.c against:
 * each address of HOST (port 443, SOCK_STREAM) on a line, in musl's
 * order, or "error N" (N its EAI_* value) and exit 1. net.py builds it
 * with musl-gcc -static and runs it in the chroot and namespace crtoken
 * runs in.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
	struct addrinfo hints, *res, *ai;
	char buf[64];
	int r;

	if (argc != 2)
		return 2;
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((r = getaddrinfo(argv[1], "443", &hints, &res)) != 0) {
		printf("error %d\n", r);
		return 1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next)
		printf("%s\n", inet_ntop(ai->ai_family, ai->ai_family == AF_INET ?
		    (void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr :
		    (void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, buf, sizeof buf));
	freeaddrinfo(res);
	return 0;
}
