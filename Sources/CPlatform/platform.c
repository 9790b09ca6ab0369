#include "CPlatform.h"
#include <stdio.h>

void descent_line_buffer_stdout(void) { setvbuf(stdout, NULL, _IOLBF, 0); }

#if defined(__linux__)
#include <signal.h>
#include <sys/prctl.h>
int descent_die_with_parent(void) { return prctl(PR_SET_PDEATHSIG, SIGKILL); }
#else
int descent_die_with_parent(void) { return -1; }
#endif
