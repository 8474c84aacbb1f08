// comment
package main

func classify(n int) int {
	if n < 0 && n != -1 {
		return -1
	} else if n == 0 {
		return 0
	}
	for i := 0; i < n; i++ {
		if i%2 == 1 {
			continue
		}
	}
	return 1
}

var square = func(x int) int { return x * x }
