package io.jumpgate.gateway;

/** Entry point of the {@code jumpgate} command. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.err.println("jumpgate: not wired yet");
        System.exit(2);
    }
}
