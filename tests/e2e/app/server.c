/* The example application of Dockerfile.example: a tiny static HTTP
 * server on :8080 that answers every request with its own ids and whether
 * it can write /data. Stands in for "your app" in the example image. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* As PID 1 the kernel drops any signal without a handler: docker stop's
 * SIGTERM needs one, or the container waits for SIGKILL. */
static void on_term(int sig)
{
	(void)sig;
	_exit(0);
}

int main(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(8080) };
	int one = 1, s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	signal(SIGTERM, on_term);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 16) < 0) {
		perror("server: listen :8080");
		return 1;
	}
	for (;;) {
		char req[1024], body[256], resp[512];
		int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
		int fd, n;

		if (c < 0)
			continue;
		(void)read(c, req, sizeof(req));
		fd = open("/data/last-request", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		n = snprintf(body, sizeof(body), "uid=%u gid=%u data_writable=%s\n",
			     (unsigned)getuid(), (unsigned)getgid(), fd >= 0 ? "yes" : "no");
		if (fd >= 0)
			close(fd);
		n = snprintf(resp, sizeof(resp),
			     "HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s", n, body);
		(void)write(c, resp, (size_t)n);
		close(c);
	}
}
