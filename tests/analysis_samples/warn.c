#include <stdio.h>
int f(int x) {
    int unused;
    if (x = 1) return 2;
    printf("%d\n", "s");
    return undeclared_thing;
}
