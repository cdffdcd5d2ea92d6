/*
 * file.h: the files crtoken reads and writes, with secrets in them.
 */
#ifndef FILE_H
#define FILE_H

#include <signal.h>
#include <stddef.h>

#include "msg.h"

/*
 * file_read(): read all of path (following symlinks, as the kubelet's
 * projected volumes need) into buf, at most cap bytes. With regular set,
 * anything but a regular file (a FIFO, a device, a directory) is refused
 * at once, without blocking. Returns the length, -1 with errno on failure,
 * -2 when the file holds more than cap bytes, -3 when it is not a regular
 * file.
 */
long file_read(const char *path, char *buf, size_t cap, int regular);

/*
 * file_write(): put data[0..n) at path. A regular file (or nothing, or a
 * symlink, which is replaced, never followed) is replaced atomically with
 * mode (exactly, whatever the umask): a temporary file in the same
 * directory is created with O_EXCL and O_NOFOLLOW and at most the
 * requested permissions, written, fsync'ed, chmod'ed and renamed over
 * path, then the directory is fsync'ed; on any failure the temporary file
 * is removed and path is left as it was. A FIFO or a character device at
 * path (after symlinks: /dev/null, a tty, a named pipe with a reader) is
 * written in place, its mode untouched, never replaced; a write that would
 * block waits until deadline (clock_ms(); 0: no deadline). /dev/stdout,
 * /dev/fd/1 and whatever path is the file descriptor 1 is open on mean
 * descriptor 1; /dev/stderr, /dev/fd/2 and the regular file or pipe that
 * descriptor 2 is open on are refused (a token never goes to stderr). A
 * directory, a socket or a block device at path is an error. Returns 0 or
 * XC_OUTPUT with f filled. With FILE_REPLACE in mode, whatever is at path
 * (a FIFO, a device, a symlink: another user's plant in a shared
 * directory) is only ever replaced by the rename, never written into.
 */
#define FILE_REPLACE 0x10000
int file_write(const char *path, unsigned mode, const void *data, size_t n,
    long long deadline, struct fail *f);

/* file_stdout(): write data to fd 1 completely. 0 or XC_OUTPUT. */
int file_stdout(const void *data, size_t n, struct fail *f);

/*
 * file_stop: set by a signal handler to make a write blocked in
 * file_write() or file_stdout() give up (XC_OUTPUT) when the signal
 * interrupts it; until then writes are resumed.
 */
extern volatile sig_atomic_t file_stop;

/* file_abort(): remove a temporary file being written, if any. Async-signal-safe. */
void file_abort(void);

#endif
