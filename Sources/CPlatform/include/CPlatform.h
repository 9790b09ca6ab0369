#ifndef DESCENT_CPLATFORM_H
#define DESCENT_CPLATFORM_H
/* OS calls Swift cannot import directly (variadic or macro-based). */

/* Asks the kernel to SIGKILL this process when its parent dies (Linux prctl
   PR_SET_PDEATHSIG); returns 0 on success, -1 where unsupported. */
int descent_die_with_parent(void);
#endif
