/* The one translation macro for every user-facing string.
 * French is the source language; gettext can be plugged in here later. */
#ifndef LIASSE_I18N_H
#define LIASSE_I18N_H

#define _(s) (s)
#define N_(s) (s)

#endif
