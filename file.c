/* see file.h */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "file.h"

static char tmp[PATH_MAX];
static volatile int tmp_live;

long
file_read(const char *path, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t r;
	char extra;
	int fd, err;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return -1;
	for (;;) {
		r = read(fd, len < cap ? buf + len : &extra, len < cap ? cap - len : 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (len >= cap) {
			close(fd);
			return -2;
		}
		len += (size_t)r;
	}
	err = errno;
	close(fd);
	if (r < 0) {
		errno = err;
		return -1;
	}
	return (long)len;
}

void
file_abort(void)
{
	if (tmp_live) {
		tmp_live = 0;
		unlink(tmp);
	}
}

static int
out_fail(struct fail *f, const char *what, const char *path)
{
	int err = errno;

	file_abort();
	fail(f, XC_OUTPUT, "%s %s: %s", what, path, strerror(err));
	if (err == ENOENT)
		fmtcat(f->text, sizeof f->text, strlen(f->text),
		    "; does the directory exist?");
	return XC_OUTPUT;
}

int
file_write(const char *path, unsigned mode, const void *data, size_t n,
    struct fail *f)
{
	const char *slash = strrchr(path, '/');
	unsigned char rnd[6];
	char hex[2 * sizeof rnd + 1];
	size_t i;
	size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
	int fd, dfd;

	if (*path == '\0' || (slash && slash[1] == '\0'))
		return fail(f, XC_OUTPUT, "output %s: not a file name", path);
	if (getentropy(rnd, sizeof rnd) != 0)
		return fail(f, XC_INTERNAL, "output: no entropy for a temporary "
		    "name: %s", strerror(errno));
	for (i = 0; i < sizeof rnd; i++) {
		hex[2 * i] = "0123456789abcdef"[rnd[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[rnd[i] & 15];
	}
	hex[2 * sizeof rnd] = '\0';
	if (fmt(tmp, sizeof tmp, "%.*s.%s.%s.tmp", (int)dlen, path, path + dlen,
	    hex) >= sizeof tmp)
		return fail(f, XC_OUTPUT, "output %s: path too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode & 0600);
	if (fd < 0)
		return out_fail(f, "creating a temporary file beside", path);
	tmp_live = 1;
	if (write_all(fd, data, n) < 0 || fchmod(fd, mode) < 0 || fsync(fd) < 0) {
		int err = errno;
		close(fd);
		errno = err;
		return out_fail(f, "writing", tmp);
	}
	if (close(fd) < 0)
		return out_fail(f, "writing", tmp);
	if (rename(tmp, path) < 0)
		return out_fail(f, "renaming the temporary file to", path);
	tmp_live = 0;
	/* make the rename durable; a failure here cannot be undone, so only note it */
	if (dlen > 0)
		fmt(tmp, sizeof tmp, "%.*s", (int)dlen, path);
	else
		fmt(tmp, sizeof tmp, ".");
	if ((dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		if (fsync(dfd) < 0)
			note("fsync of directory %s: %s", tmp, strerror(errno));
		close(dfd);
	}
	return 0;
}

int
file_stdout(const void *data, size_t n, struct fail *f)
{
	if (write_all(1, data, n) < 0)
		return fail(f, XC_OUTPUT, "writing to stdout: %s", strerror(errno));
	return 0;
}
