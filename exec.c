/* see exec.h */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "docker.h"
#include "exec.h"

#define ARG_STRLEN_MAX 131072	/* Linux: MAX_ARG_STRLEN, the NUL included */

int
exec_name_ok(const char *v)
{
	size_t n = strlen(v);

	return n > 0 && n <= EXEC_NAME_MAX && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_") == n && !(*v >= '0' && *v <= '9') &&
	    strcmp(v, "IAM_TOKEN_EXPIRATION") != 0;
}

int
exec_run(char **cmd, const char *name, const struct iam_token *tok, int format,
    unsigned closefds, struct fail *f)
{
	extern char **environ;
	static char tokvar[EXEC_NAME_MAX + 1 + IAM_OUT_MAX], expvar[64], path[4096];
	static const int sigs[] = { SIGPIPE, SIGXFSZ, SIGALRM, SIGTERM, SIGINT,
	    SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	const char *dirs, *d, *e;
	char **envp, **v;
	size_t n = 0, nlen = strlen(name), len = sizeof tokvar;
	int denied = 0, err = ENOENT;

	if (exec_name_ok(name)) {	/* so the name fits */
		len = fmt(tokvar, sizeof tokvar, "%s=", name);
		len = format == IAM_FMT_DOCKER ? len + docker_auths(&docker, tok->access,
		    tokvar + len, sizeof tokvar - len) : fmtcat(tokvar, sizeof tokvar,
		    len, "%s", tok->access);
	}
	if (len >= sizeof tokvar) {
		explicit_bzero(tokvar, sizeof tokvar);
		return fail(f, XC_INTERNAL, "exec: the variable %s=... does not fit",
		    name);
	}
	if (len >= ARG_STRLEN_MAX) {	/* execve() would say E2BIG */
		explicit_bzero(tokvar, len);
		return fail(f, XC_OUTPUT, "exec: %s would be %lu bytes, over the %d the "
		    "kernel takes in one variable; give fewer --registry", name,
		    (unsigned long)len, ARG_STRLEN_MAX);
	}
	fmt(expvar, sizeof expvar, "IAM_TOKEN_EXPIRATION=%lld", tok->expiration);
	for (v = environ; *v; v++)
		n++;
	if ((envp = malloc((n + 3) * sizeof *envp)) == NULL) {
		explicit_bzero(tokvar, len);
		return fail(f, XC_INTERNAL, "exec: out of memory");
	}
	for (n = 0, v = environ; *v; v++)
		if (!(strncmp(*v, name, nlen) == 0 && (*v)[nlen] == '=') &&
		    strncmp(*v, "IAM_TOKEN_EXPIRATION=", 21) != 0)
			envp[n++] = *v;
	envp[n++] = tokvar;
	envp[n++] = expvar;
	envp[n] = NULL;
	for (n = 0; n < sizeof sigs / sizeof sigs[0]; n++)
		signal(sigs[n], SIG_DFL);
	note("exec %s with %s and IAM_TOKEN_EXPIRATION set", cmd[0], name);
	for (n = 0; n <= 2; n++)	/* CMD gets the descriptors we got */
		if (closefds & 1u << n)
			close((int)n);
	if (strchr(cmd[0], '/') != NULL) {
		execve(cmd[0], cmd, envp);
		err = errno;
		denied = err != ENOENT && err != ENOTDIR;
	} else {
		dirs = getenv("PATH") ? getenv("PATH") : "/usr/local/bin:/usr/bin:/bin";
		for (d = dirs; cmd[0][0] != '\0'; d = e + 1) {	/* "": not found */
			e = strchr(d, ':') ? strchr(d, ':') : d + strlen(d);
			if (fmt(path, sizeof path, "%.*s%s%s", (int)(e - d), d,
			    e > d ? "/" : "", cmd[0]) < sizeof path) {
				execve(path, cmd, envp);
				if (errno != ENOENT && errno != ENOTDIR) {
					denied = 1;
					err = errno;
				}
			}
			if (*e == '\0')
				break;
		}
	}
	explicit_bzero(tokvar, len);
	free(envp);
	fail(f, denied ? 126 : 127, "exec %s: %s", cmd[0][0] ? cmd[0] : "''",
	    denied ? errstr(err) :
	    strchr(cmd[0], '/') ? "no such file" : "command not found in PATH");
	return denied ? 126 : 127;
}
