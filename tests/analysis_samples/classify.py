# comment
def classify(n):
    if n < 0 and n != -1:
        return "neg"
    elif n == 0:
        return "zero"
    for i in range(n):
        if i % 2:
            continue
    return "pos"


square = lambda x: x * x
