/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The target's memory.  process_vm_readv where the kernel has it, else
 * /proc/PID/mem.  Strings are read page by page so a path that ends just
 * before an unmapped page still reads.  Every read is followed by an
 * ID_VALID check: the pid may have been reused by the time we read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "target.h"

static atomic_bool no_cross_memory_attach;

static ssize_t proc_mem_io(pid_t pid, uint64_t addr, void *buf, size_t len, bool write_io)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, (write_io ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write_io ? pwrite(fd, buf, len, (off_t)addr) : pread(fd, buf, len, (off_t)addr);
	close(fd);
	return n;
}

static ssize_t mem_io(pid_t pid, uint64_t addr, void *buf, size_t len, bool write_io)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };
	ssize_t n;

	if (!atomic_load(&no_cross_memory_attach)) {
		n = write_io ? process_vm_writev(pid, &local, 1, &remote, 1, 0)
			     : process_vm_readv(pid, &local, 1, &remote, 1, 0);
		if (n >= 0 || errno != ENOSYS)
			return n;
		atomic_store(&no_cross_memory_attach, true);
	}
	return proc_mem_io(pid, addr, buf, len, write_io);
}

int target_read(struct call *c, uint64_t addr, void *buf, size_t len)
{
	ssize_t n = mem_io(c->pid, addr, buf, len, false);

	if (n < 0 || (size_t)n != len)
		return -EFAULT;
	return call_valid(c) ? 0 : -ESRCH;
}

int target_peek_string(struct call *c, uint64_t addr, char *buf, size_t size)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t got = 0;

	if (!addr)
		return -EFAULT;
	while (got < size) {
		size_t chunk = page - ((addr + got) % page);
		ssize_t n;

		if (chunk > size - got)
			chunk = size - got;
		n = mem_io(c->pid, addr + got, buf + got, chunk, false);
		if (n <= 0)
			return -EFAULT;
		if (memchr(buf + got, '\0', (size_t)n))
			return 0;
		got += (size_t)n;
	}
	return -ENAMETOOLONG;
}

int target_read_string(struct call *c, uint64_t addr, char *buf, size_t size)
{
	int r = target_peek_string(c, addr, buf, size);

	if (r < 0)
		return r;
	return call_valid(c) ? 0 : -ESRCH;
}

int target_write(struct call *c, uint64_t addr, const void *buf, size_t len)
{
	ssize_t n = mem_io(c->pid, addr, (void *)buf, len, true);

	return (n < 0 || (size_t)n != len) ? -EFAULT : 0;
}
