/*
 * file.h: the files crtoken reads and writes, with secrets in them.
 */
#ifndef FILE_H
#define FILE_H

#include <stddef.h>

#include "msg.h"

/*
 * file_read(): read all of path (following symlinks, as the kubelet's
 * projected volumes need) into buf, at most cap bytes. Returns the length,
 * -1 with errno on failure, -2 when the file holds more than cap bytes.
 */
long file_read(const char *path, char *buf, size_t cap);

/*
 * file_write(): replace path atomically with data[0..n) and mode (exactly,
 * whatever the umask): a temporary file in the same directory is created
 * with O_EXCL and O_NOFOLLOW and at most the requested permissions, written,
 * fsync'ed, chmod'ed and renamed over path, then the directory is fsync'ed.
 * A symlink at path is replaced, never followed. On any failure the
 * temporary file is removed and path is left as it was. Returns 0 or
 * XC_OUTPUT with f filled.
 */
int file_write(const char *path, unsigned mode, const void *data, size_t n,
    struct fail *f);

/* file_abort(): remove a temporary file being written, if any. Async-signal-safe. */
void file_abort(void);

/* out_stdout(): write data to fd 1 completely. 0 or XC_OUTPUT. */
int file_stdout(const void *data, size_t n, struct fail *f);

#endif
