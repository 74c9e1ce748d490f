/* The hello-world image's only program: static, no libc beyond write and exit, like Docker's. */
#include <unistd.h>

static const char message[] =
    "\nHello from Berth!\n"
    "This message shows that your installation appears to be working correctly.\n\n"
    "To generate this message, Berth took the following steps:\n"
    " 1. The client contacted the Berth daemon.\n"
    " 2. The daemon created a container from the \"hello-world\" image, built on this machine.\n"
    " 3. The runtime started this program in it; its output was streamed to your terminal.\n\n";

int main(void) {
  return write(1, message, sizeof(message) - 1) == (ssize_t)(sizeof(message) - 1) ? 0 : 1;
}
