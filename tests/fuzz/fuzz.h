/*
 * fuzz.h: what the libFuzzer targets share (sandbox.c): a private
 * working directory, the fence that keeps the code under test inside it,
 * and a count of open descriptors to check that nothing leaks.
 */

#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>

/* sandbox.c */
const char	*sandbox_init(const char *);
void		 sandbox_symbolizer(void);
int		 sandbox_fds(void);
void		 sandbox_fds_check(int, const char *);
void		 sandbox_fail(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
char		*sandbox_cstr(const unsigned char *, size_t);

#endif /* FUZZ_H */
