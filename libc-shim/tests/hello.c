/* The first C program on Cairn: prints a greeting and its arguments. */
#include <stdio.h>

int main(int argc, char **argv)
{
	printf("Hello from C on Cairn!\n");
	for (int i = 0; i < argc; i++)
		printf("argv[%d] = %s\n", i, argv[i]);
	return 0;
}
