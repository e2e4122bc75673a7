package io.jumpgate.gateway.testing;

import io.jumpgate.testkit.Peers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The real OpenSSH client ({@code ssh}, {@code scp}, {@code sftp}) run as processes with {@code -F} a generated
 * config: batch mode, strict host key checking against a known_hosts file the test writes, only the
 * identities the config names, no agent.
 */
public final class OpenSshClient {
    public static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Path dir;
    private final Path config;
    private final Path knownHosts;
    private final StringBuilder hosts = new StringBuilder();

    public OpenSshClient(Path dir) throws IOException {
        Peers.requireExecutable("OpenSSH client", "ssh");
        Peers.requireExecutable("ssh-keygen", "ssh-keygen");
        this.dir = Files.createDirectories(dir);
        this.config = dir.resolve("ssh_config");
        this.knownHosts = dir.resolve("known_hosts");
        Files.writeString(knownHosts, "");
        writeConfig();
    }

    /** Generates an ed25519 key pair ({@code dir/name}, {@code dir/name.pub}); returns the private key path. */
    public Path newKey(String name) throws IOException, InterruptedException {
        Path key = dir.resolve(name);
        ProcessResult.run(TIMEOUT, Map.of(), null,
                List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key.toString()))
                .requireSuccess("ssh-keygen");
        return key;
    }

    /** The {@code ssh-ed25519 AAAA… comment} line of a key made by {@link #newKey}. */
    public static String publicLine(Path key) throws IOException {
        return Files.readString(Path.of(key + ".pub"), StandardCharsets.UTF_8).trim();
    }

    /**
     * Signs {@code key}'s public half with {@code ca}: a user certificate for {@code principals}, valid during
     * {@code validity} (ssh-keygen -V syntax, e.g. {@code -1h:+1h} or {@code 20200101:20200102}). Returns the
     * certificate path ({@code key-cert.pub}, which ssh offers with the key).
     */
    public Path signUserKey(Path ca, Path key, String id, String principals, String validity, String... options)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ssh-keygen", "-q", "-s", ca.toString(), "-I", id, "-n", principals,
                "-V", validity, "-z", "42"));
        for (String o : options) {
            cmd.add("-O");
            cmd.add(o);
        }
        cmd.add(key + ".pub");
        ProcessResult.run(TIMEOUT, Map.of(), null, cmd).requireSuccess("ssh-keygen -s");
        return Path.of(key + "-cert.pub");
    }

    /** Trusts {@code keyLine} for {@code host} on {@code port} ({@code [host]:port key}). */
    public OpenSshClient knownHost(String host, int port, String keyLine) throws IOException {
        String h = port == 22 ? host : "[" + host + "]:" + port;
        Files.writeString(knownHosts, h + " " + keyLine + "\n", StandardOpenOption.APPEND);
        return this;
    }

    /** Adds a {@code Host} block; {@code options} are {@code Key value} lines. */
    public OpenSshClient host(String alias, String... options) throws IOException {
        hosts.append("Host ").append(alias).append('\n');
        for (String o : options) hosts.append("  ").append(o).append('\n');
        writeConfig();
        return this;
    }

    private void writeConfig() throws IOException {
        Files.writeString(config, hosts + String.join("\n",
                "Host *",
                "  BatchMode yes",
                "  StrictHostKeyChecking yes",
                "  UserKnownHostsFile " + knownHosts,
                "  GlobalKnownHostsFile /dev/null",
                "  IdentitiesOnly yes",
                "  IdentityAgent none",
                "  PasswordAuthentication no",
                "  KbdInteractiveAuthentication no",
                "  ConnectTimeout 20",
                "  LogLevel ERROR",
                ""));
    }

    public Path config() {
        return config;
    }

    public Path dir() {
        return dir;
    }

    /** Runs {@code program} ({@code ssh}, {@code scp}, {@code sftp}) with {@code -F config} and {@code args}. */
    public ProcessResult run(String program, String... args) throws IOException, InterruptedException {
        return run(Map.of(), program, args);
    }

    public ProcessResult run(Map<String, String> env, String program, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(program, "-F", config.toString()));
        cmd.addAll(List.of(args));
        return ProcessResult.run(TIMEOUT, new HashMap<>(env), null, cmd);
    }

    /** Starts a long-running client ({@code ssh -N -L …}); the caller destroys it. */
    public Process start(String program, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(program, "-F", config.toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(program + ".log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    }
}
