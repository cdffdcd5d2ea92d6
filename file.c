/* see file.h */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "net.h"

volatile sig_atomic_t file_stop;
static char tmp[PATH_MAX];
static volatile sig_atomic_t tmp_live;

long
file_read(const char *path, char *buf, size_t cap, int regular)
{
	struct stat st;
	size_t len = 0;
	ssize_t r;
	char extra;
	int fd, err;

	/* O_NONBLOCK: opening a FIFO must not wait for a writer (a regular
	   file reads the same with it) */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    (regular ? O_NONBLOCK : 0))) < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	if (regular && !S_ISREG(st.st_mode)) {
		close(fd);
		return -3;
	}
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

/*
 * Write all of p[0..n) to fd. When it would block, wait until deadline (0:
 * for ever); a signal interrupts it only once file_stop is set.
 */
static int
put(int fd, const char *p, size_t n, long long deadline)
{
	struct pollfd pfd;

	while (n > 0) {
		ssize_t w;

		if (file_stop) {	/* a signal asked to give up (a short write says so too) */
			errno = EINTR;
			return -1;
		}
		if ((w = write(fd, p, n)) > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			if (deadline != 0 && ms_left(deadline) == 0) {
				errno = ETIMEDOUT;
				return -1;
			}
			pfd.fd = fd;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, deadline ? ms_left(deadline) : -1) < 0 &&
			    (errno != EINTR || file_stop))
				return -1;
			continue;
		}
		if (w == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

static int
out_fail(struct fail *f, const char *what, const char *path)
{
	int err = errno;

	file_abort();
	fail(f, XC_OUTPUT, "%s %s: %s", what, path, err == EINTR ? "interrupted" :
	    errstr(err));
	if (err == ENOENT)
		fmtcat(f->text, sizeof f->text, strlen(f->text),
		    "; does the directory exist?");
	return XC_OUTPUT;
}

/* Whether path (after symlinks) is what descriptor fd is open on. */
static int
is_fd(const char *path, const struct stat *st, int fd)
{
	struct stat fs;
	char name[32];

	fmt(name, sizeof name, "/dev/fd/%d", fd);
	if (strcmp(path, name) == 0 || strcmp(path, fd == 1 ? "/dev/stdout" :
	    "/dev/stderr") == 0)
		return 1;
	return st != NULL && fstat(fd, &fs) == 0 && fs.st_dev == st->st_dev &&
	    fs.st_ino == st->st_ino;
}

/* A FIFO or a character device: written in place. */
static int
in_place(const char *path, const void *data, size_t n, long long deadline,
    struct fail *f)
{
	struct stat st;
	int fd, r, err;

	fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENXIO)
		return fail(f, XC_OUTPUT, "writing %s: a FIFO that no process is "
		    "reading", path);
	if (fd < 0)
		return out_fail(f, "writing", path);
	if (fstat(fd, &st) < 0 || !(S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))) {
		close(fd);
		return fail(f, XC_OUTPUT, "writing %s: it changed while being "
		    "opened", path);
	}
	r = put(fd, data, n, deadline);
	err = errno;
	close(fd);
	errno = err;
	return r < 0 ? out_fail(f, "writing", path) : 0;
}

int
file_write(const char *path, unsigned mode, const void *data, size_t n,
    long long deadline, struct fail *f)
{
	const char *slash = strrchr(path, '/');
	unsigned char rnd[6];
	char hex[2 * sizeof rnd + 1];
	struct stat st;
	sigset_t all, old;
	size_t i;
	size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
	int fd, dfd, got;

	if (*path == '\0' || (slash && slash[1] == '\0'))
		return fail(f, XC_OUTPUT, "output %s: not a file name", path);
	got = stat(path, &st) == 0;
	/* however it is spelled: stdout is written as stdout, stderr never */
	if (!(mode & FILE_REPLACE) && is_fd(path, got ? &st : NULL, 1))
		return file_stdout(data, n, f);
	if (is_fd(path, got && !S_ISCHR(st.st_mode) ? &st : NULL, 2))
		return fail(f, XC_OUTPUT, "output %s: that is stderr; a token never "
		    "goes there", path);
	if (mode & FILE_REPLACE)
		got = 0;	/* what is there is replaced, whatever it is */
	mode &= 07777;
	if (got && !S_ISREG(st.st_mode)) {
		if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))
			return in_place(path, data, n, deadline, f);
		return fail(f, XC_OUTPUT, "output %s: a %s, not a file; it is left "
		    "alone", path, S_ISDIR(st.st_mode) ? "directory" :
		    S_ISBLK(st.st_mode) ? "block device" : "socket");
	}
	if (getentropy(rnd, sizeof rnd) != 0)
		return fail(f, XC_INTERNAL, "output: no entropy for a temporary "
		    "name: %s", errstr(errno));
	for (i = 0; i < sizeof rnd; i++) {
		hex[2 * i] = "0123456789abcdef"[rnd[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[rnd[i] & 15];
	}
	hex[2 * sizeof rnd] = '\0';
	if (fmt(tmp, sizeof tmp, "%.*s.%s.%s.tmp", (int)dlen, path, path + dlen,
	    hex) >= sizeof tmp)
		return fail(f, XC_OUTPUT, "output %s: path too long", path);
	/* no signal between the file's creation and file_abort() knowing of it */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode & 0600);
	if (fd >= 0)
		tmp_live = 1;
	else
		i = (size_t)errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (fd < 0) {
		errno = (int)i;
		return out_fail(f, "creating a temporary file beside", path);
	}
	if (put(fd, data, n, 0) < 0 || fchmod(fd, mode) < 0 || fsync(fd) < 0) {
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
			note("fsync of directory %s: %s", tmp, errstr(errno));
		close(dfd);
	}
	return 0;
}

int
file_stdout(const void *data, size_t n, struct fail *f)
{
	if (put(1, data, n, 0) < 0)
		return fail(f, XC_OUTPUT, "writing to stdout: %s", errno == EINTR ?
		    "interrupted" : errstr(errno));
	return 0;
}
