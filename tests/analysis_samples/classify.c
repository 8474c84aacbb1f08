// comment
int classify(int n) {
    if (n < 0 && n != -1) {
        return -1;
    } else if (n == 0) {
        return 0;
    }
    for (int i = 0; i < n; i++) {
        if (i % 2) {
            continue;
        }
    }
    return 1;
}

int square(int x) { return x * x; }
