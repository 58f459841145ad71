/* exitcode.h — the exit codes every mostroutils tool uses (DESIGN §2).
 * Documented in every man page under EXIT STATUS. */
#ifndef MU_EXITCODE_H
#define MU_EXITCODE_H

enum mu_exit {
	MU_EXIT_OK          = 0,   /* success */
	MU_EXIT_REFUSED     = 1,   /* refused: cant-do, OK false, verification failed */
	MU_EXIT_USAGE       = 2,   /* bad command line */
	MU_EXIT_UNREACHABLE = 3,   /* no relay / backend reachable */
	MU_EXIT_INVALID     = 4,   /* invalid input (a single value given on the command line) */
	MU_EXIT_CONFIG      = 5,   /* bad configuration: key file mode, missing file, bad env */
	MU_EXIT_PARTIAL     = 123, /* some input lines failed; the others went through */
	MU_EXIT_TIMEOUT     = 124, /* timed out */
};

#endif
