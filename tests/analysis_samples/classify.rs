// comment
fn classify(n: i32) -> i32 {
    if n < 0 && n != -1 {
        return -1;
    } else if n == 0 {
        return 0;
    }
    for i in 0..n {
        if i % 2 == 1 {
            continue;
        }
    }
    1
}

fn main() { let square = |x: i32| x * x; println!("{}", square(classify(3))); }
