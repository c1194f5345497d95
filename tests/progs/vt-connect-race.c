/* vt-connect-race: connect an AF_UNIX stream socket to PATH while another
 * thread flips the address between PATH and an abstract name (the first
 * byte of sun_path between '/' and NUL): a supervisor that checks the
 * abstract address and lets the kernel read it again connects to PATH.
 *
 * usage: vt-connect-race PATH TRIES
 *
 * Prints "direct: ERRNO-TEXT" for the plain connect, then "raced: connected
 * after N tries" (and sends "hi") or "raced: refused" after TRIES tries.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static struct sockaddr_un address;
static volatile int stop;

static void *flipper(void *arg)
{
	(void)arg;
	while (!stop) {
		address.sun_path[0] = '\0';
		__asm__ volatile("" ::: "memory");
		address.sun_path[0] = '/';
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t thread;
	int sock, tries;

	if (argc != 3 || argv[1][0] != '/' || strlen(argv[1]) >= sizeof(address.sun_path) ||
	    (tries = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: vt-connect-race /PATH TRIES\n");
		return 2;
	}
	address.sun_family = AF_UNIX;
	strcpy(address.sun_path, argv[1]);
	sock = socket(AF_UNIX, SOCK_STREAM, 0);
	if (sock < 0) {
		perror("socket");
		return 2;
	}
	if (connect(sock, (struct sockaddr *)&address, sizeof(address)) == 0) {
		puts("direct: connected");
		return 0;
	}
	printf("direct: %s\n", strerror(errno));
	if (pthread_create(&thread, NULL, flipper, NULL) != 0)
		return 2;
	for (int i = 0; i < tries; i++) {
		if (connect(sock, (struct sockaddr *)&address, sizeof(address)) == 0) {
			printf("raced: connected after %d tries\n", i);
			(void)!write(sock, "hi", 2);
			stop = 1;
			pthread_join(thread, NULL);
			return 0;
		}
	}
	stop = 1;
	pthread_join(thread, NULL);
	puts("raced: refused");
	return 0;
}
