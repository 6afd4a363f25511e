/*
 * ttycheck: a C program's terminal calls on a Cairn terminal (termd,
 * through libc-shim's ioctls): isatty, tcgetattr in cooked mode,
 * tcsetattr (echo off and back), the window size and the foreground
 * process group. Prints "ttycheck: ok (COLSxROWS)" or what failed; the
 * shell-session suite runs it at the serial shell.
 */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

int main(void)
{
	char failed[128] = "";
	struct termios t, saved, back;
	struct winsize ws = {0};
	if (!isatty(0))
		strcat(failed, " isatty");
	if (tcgetattr(0, &t) != 0) {
		strcat(failed, " tcgetattr");
	} else {
		if (!(t.c_lflag & ICANON) || !(t.c_lflag & ECHO))
			strcat(failed, " cooked-mode");
		saved = t;
		t.c_lflag &= ~ECHO;
		if (tcsetattr(0, TCSANOW, &t) != 0 || tcgetattr(0, &back) != 0 || (back.c_lflag & ECHO))
			strcat(failed, " tcsetattr");
		if (tcsetattr(0, TCSANOW, &saved) != 0)
			strcat(failed, " tcsetattr-restore");
	}
	if (ioctl(1, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || ws.ws_col == 0)
		strcat(failed, " winsize");
	if (tcgetpgrp(0) != getpgrp())
		strcat(failed, " foreground-group");
	if (failed[0])
		printf("ttycheck: FAILED:%s\n", failed);
	else
		printf("ttycheck: ok (%dx%d)\n", ws.ws_col, ws.ws_row);
	return failed[0] != 0;
}
