/* ipe-explain-guest: static helpers for the ipe-explain real-kernel scenario (runs in the guest).
 *
 *   ipe-explain-guest mmap-exec FILE     mmap(PROT_READ|PROT_EXEC, MAP_PRIVATE) of FILE
 *   ipe-explain-guest mprotect FILE      mmap(PROT_READ) of FILE, then mprotect(+PROT_EXEC)
 *   ipe-explain-guest anon-exec          mmap(PROT_READ|PROT_EXEC, MAP_ANONYMOUS)
 *   ipe-explain-guest anon-mprotect      anonymous PROT_READ mapping, then mprotect(+PROT_EXEC)
 *   ipe-explain-guest finit FILE         finit_module(FILE)
 *   ipe-explain-guest init FILE          init_module(contents of FILE)  (a buffer: no file)
 *   ipe-explain-guest kexec FILE         kexec_file_load(FILE, no initramfs)
 *   ipe-explain-guest fw NAME            request_firmware(NAME) through test_firmware
 *
 * Prints one word: OK or the errno name of the failing call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef KEXEC_FILE_NO_INITRAMFS
#define KEXEC_FILE_NO_INITRAMFS 0x00000004
#endif

static int word(int e)
{
	const char *n = e ? strerrorname_np(e) : "OK";

	if (n)
		printf("%s\n", n);
	else
		printf("ERRNO%d\n", e);
	return 0;
}

static int map_file(const char *path, int prot, int then_exec)
{
	int fd = open(path, O_RDONLY);
	void *p;

	if (fd < 0)
		return word(errno);
	p = mmap(NULL, 4096, prot, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return word(errno);
	if (then_exec && mprotect(p, 4096, PROT_READ | PROT_EXEC) < 0)
		return word(errno);
	return word(0);
}

static int anon(int then_exec)
{
	void *p = mmap(NULL, 4096, then_exec ? PROT_READ : PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return word(errno);
	if (then_exec && mprotect(p, 4096, PROT_READ | PROT_EXEC) < 0)
		return word(errno);
	return word(0);
}

static int init_buf(const char *path)
{
	int fd = open(path, O_RDONLY);
	static char buf[1 << 16];
	ssize_t n;

	if (fd < 0)
		return word(errno);
	n = read(fd, buf, sizeof(buf));
	if (n < 0)
		return word(errno);
	if (syscall(SYS_init_module, buf, (unsigned long)n, "") < 0)
		return word(errno);
	return word(0);
}

static int fw(const char *name)
{
	int fd = open("/sys/devices/virtual/misc/test_firmware/trigger_request", O_WRONLY);

	if (fd < 0)
		return word(errno);
	if (write(fd, name, strlen(name)) < 0)
		return word(errno);
	return word(0);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "mmap-exec") == 0)
		return map_file(argv[2], PROT_READ | PROT_EXEC, 0);
	if (argc == 3 && strcmp(argv[1], "mprotect") == 0)
		return map_file(argv[2], PROT_READ, 1);
	if (argc == 2 && strcmp(argv[1], "anon-exec") == 0)
		return anon(0);
	if (argc == 2 && strcmp(argv[1], "anon-mprotect") == 0)
		return anon(1);
	if (argc == 3 && strcmp(argv[1], "finit") == 0) {
		int fd = open(argv[2], O_RDONLY);

		if (fd < 0)
			return word(errno);
		return word(syscall(SYS_finit_module, fd, "", 0) < 0 ? errno : 0);
	}
	if (argc == 3 && strcmp(argv[1], "init") == 0)
		return init_buf(argv[2]);
	if (argc == 3 && strcmp(argv[1], "kexec") == 0) {
		int fd = open(argv[2], O_RDONLY);

		if (fd < 0)
			return word(errno);
		return word(syscall(SYS_kexec_file_load, fd, -1, 1UL, "", (unsigned long)KEXEC_FILE_NO_INITRAMFS) < 0
				    ? errno
				    : 0);
	}
	if (argc == 3 && strcmp(argv[1], "fw") == 0)
		return fw(argv[2]);
	fprintf(stderr, "usage: see the source\n");
	return 2;
}
