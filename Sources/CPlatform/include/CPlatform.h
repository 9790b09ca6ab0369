#ifndef DESCENT_CPLATFORM_H
#define DESCENT_CPLATFORM_H
/* OS calls Swift cannot import directly (variadic or macro-based). */

/* Asks the kernel to SIGKILL this process when its parent dies (Linux prctl
   PR_SET_PDEATHSIG); returns 0 on success, -1 where unsupported. */
int descent_die_with_parent(void);

/* Makes stdout line-buffered (a log file then holds every finished line even if the
   process is killed); C's `stdout` is a mutable global Swift 6 will not touch. */
void descent_line_buffer_stdout(void);
#endif
