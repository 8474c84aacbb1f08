fn helper() {}
fn main() {
    let x = 5;
    let mut y = 3;
    println!("{}", y);
}
