/* ipe-guest: small static helpers for the real-kernel test suite (runs inside the guest).
 *
 *   ipe-guest verity-enable FILE      FS_IOC_ENABLE_VERITY (sha256, 4096-byte blocks)
 *   ipe-guest key-add DER KEYRING     add_key("asymmetric") of a DER certificate to the keyring
 *                                     named KEYRING (looked up in /proc/keys), e.g.
 *                                     .secondary_trusted_keys
 *   ipe-guest exec PROG [ARG...]      fork+execv PROG; OK when it ran and exited 0,
 *                                     EXIT:<n> when it ran and failed, else the exec errno
 *   ipe-guest hello                   prints IPE-HELLO (the test binary for exec checks)
 *
 * Prints one result word on stdout: OK or an errno name. Exit 0 when a word was printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fsverity.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int print_errno(int e)
{
	const char *n = strerrorname_np(e);
	if (n)
		printf("%s\n", n);
	else
		printf("ERRNO%d\n", e);
	return 0;
}

static int verity_enable(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return print_errno(errno);
	struct fsverity_enable_arg arg;
	memset(&arg, 0, sizeof(arg));
	arg.version = 1;
	arg.hash_algorithm = FS_VERITY_HASH_ALG_SHA256;
	arg.block_size = 4096;
	if (ioctl(fd, FS_IOC_ENABLE_VERITY, &arg) < 0) {
		int e = errno;
		close(fd);
		return print_errno(e);
	}
	close(fd);
	printf("OK\n");
	return 0;
}

static long find_keyring(const char *name)
{
	FILE *f = fopen("/proc/keys", "r");
	char line[512];
	long id = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* id flags usage timeout perm uid gid type description: summary */
		char *p = strstr(line, " keyring ");
		if (!p)
			continue;
		p += strlen(" keyring ");
		while (*p == ' ')
			p++;
		size_t n = strlen(name);
		if (strncmp(p, name, n) == 0 && (p[n] == ':' || p[n] == '\n' || p[n] == 0)) {
			id = strtol(line, NULL, 16);
			break;
		}
	}
	fclose(f);
	return id;
}

static int key_add(const char *der, const char *keyring)
{
	int fd = open(der, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "ipe-guest: %s: %s\n", der, strerror(errno));
		return 2;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	ssize_t got = buf ? read(fd, buf, (size_t)st.st_size) : -1;
	close(fd);
	if (got != st.st_size) {
		fprintf(stderr, "ipe-guest: %s: short read\n", der);
		return 2;
	}
	long ring = find_keyring(keyring);
	if (ring < 0) {
		fprintf(stderr, "ipe-guest: keyring %s not found in /proc/keys\n", keyring);
		printf("NOKEYRING\n");
		return 0;
	}
	long k = syscall(SYS_add_key, "asymmetric", NULL, buf, (size_t)got, (int)ring);
	free(buf);
	if (k < 0)
		return print_errno(errno);
	printf("OK\n");
	return 0;
}

static int do_exec(char **argv)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return print_errno(errno);
	pid_t pid = fork();
	if (pid < 0)
		return print_errno(errno);
	if (pid == 0) {
		close(p[0]);
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, 1);
		execv(argv[0], argv);
		int e = errno;
		ssize_t w = write(p[1], &e, sizeof(e));
		(void)w;
		_exit(127);
	}
	close(p[1]);
	int e = 0;
	ssize_t r = read(p[0], &e, sizeof(e));
	close(p[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	if (r == (ssize_t)sizeof(e))
		return print_errno(e);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		printf("OK\n");
	else if (WIFEXITED(status))
		printf("EXIT:%d\n", WEXITSTATUS(status));
	else
		printf("SIGNAL:%d\n", WTERMSIG(status));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "verity-enable") == 0)
		return verity_enable(argv[2]);
	if (argc == 4 && strcmp(argv[1], "key-add") == 0)
		return key_add(argv[2], argv[3]);
	if (argc >= 3 && strcmp(argv[1], "exec") == 0)
		return do_exec(argv + 2);
	if (argc == 2 && strcmp(argv[1], "hello") == 0) {
		printf("IPE-HELLO\n");
		return 0;
	}
	fprintf(stderr, "usage: ipe-guest verity-enable FILE | key-add DER KEYRING | exec PROG [ARG...] | hello\n");
	return 2;
}
