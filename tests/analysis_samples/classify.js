// comment
function classify(n) {
  if (n < 0 && n !== -1) {
    return -1;
  } else if (n === 0) {
    return 0;
  }
  for (let i = 0; i < n; i++) {
    if (i % 2) {
      continue;
    }
  }
  return 1;
}

const square = (x) => x * x;
