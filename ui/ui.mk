## The petrel binary: command dispatch and the ncurses front end.
bin_PROGRAMS += petrel
petrel_SOURCES = ui/main.c ui/tui.c ui/tui.h
petrel_CFLAGS = $(AM_CFLAGS) $(CURSES_CFLAGS)
petrel_LDADD = $(PETREL_LIBS) $(CURSES_LIBS)
