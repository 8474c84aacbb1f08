import java.util.*;
public class Main {
    public static void main(String[] args) {
        List l = new ArrayList();
        l.add(1);
        int x = "s";
    }
}
