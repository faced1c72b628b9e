package io.ctops.agent.accounts;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the host's accounts for the {@code service_account} check. Keys and values as the original
 * CT-Ops agent writes them (observed by running it): {@code account_type} is "human" for a uid in
 * the human range with a login shell, "service" in that range without one, "system" outside it;
 * {@code has_login_capability} is false for a {@code nologin} or {@code false} shell; {@code
 * account_locked} is a shadow hash starting with {@code !} or {@code *}; times are Unix seconds as
 * strings ({@code "1747699200"}), and {@code password_expires_at} / {@code password_last_changed}
 * are left out when there is none (a max of 99999 days never expires). Ours adds {@code groups},
 * {@code privileged} and {@code privileged_by}, {@code password_set}, {@code account_expires_at},
 * {@code last_login_at} and {@code account_source} ("local", or "domain" for name service accounts
 * not in {@code /etc/passwd}); {@code account_locked} and {@code password_set} are null when shadow
 * could not be read.
 */
final class AccountScan {
  static final long MAX_FILE_BYTES = 16L * 1024 * 1024;
  static final int MAX_ACCOUNTS = 100_000;

  /** Groups whose members may use sudo on the common distributions. */
  static final List<String> PRIVILEGED_GROUPS = List.of("sudo", "wheel", "admin");

  private final HostFiles files;

  private final boolean asksNameService;

  /**
   * A scan of {@code files}; with {@code asksNameService} the name service is asked for its
   * accounts too (when {@code nsswitch.conf} names a directory), which only describes the running
   * host's own files.
   */
  AccountScan(HostFiles files, boolean asksNameService) {
    this.files = files;
    this.asksNameService = asksNameService;
  }

  /** The accounts, in passwd order (then the name service's), and what could not be read. */
  Found scan(long minHumanUid, long maxHumanUid) throws InterruptedException {
    List<String> notes = new ArrayList<>();
    int skipped = 0;
    int notUtf8 = 0;
    List<PasswdEntry> entries = new ArrayList<>();
    Set<String> local = new HashSet<>();
    boolean passwdRead = false;
    switch (files.read(files.resolve("/etc/passwd"), MAX_FILE_BYTES)) {
      case HostFiles.Found found -> {
        PasswdEntry.Parsed parsed = PasswdEntry.parse(found.bytes(), MAX_ACCOUNTS);
        skipped += parsed.skipped();
        notUtf8 += parsed.notUtf8();
        for (PasswdEntry entry : parsed.entries()) {
          // a second entry of a name is never used by the system: sign-in finds the first
          if (local.add(entry.username())) {
            entries.add(entry);
          } else {
            skipped++;
          }
        }
        passwdRead = true;
      }
      case HostFiles.Missing missing -> notes.add("passwd not found");
      case HostFiles.Unreadable unreadable ->
          notes.add("passwd not readable: " + unreadable.reason());
    }
    Set<String> domain = new HashSet<>();
    Optional<String> directory = asksNameService ? DomainAccounts.source(files) : Optional.empty();
    if (directory.isPresent()) {
      Optional<byte[]> listed = DomainAccounts.list(notes);
      if (listed.isPresent()) {
        for (PasswdEntry entry : PasswdEntry.parse(listed.get(), MAX_ACCOUNTS).entries()) {
          if (!local.contains(entry.username()) && domain.add(entry.username())) {
            entries.add(entry);
          }
        }
      }
    }
    GroupFile groups = GroupFile.empty();
    switch (files.read(files.resolve("/etc/group"), MAX_FILE_BYTES)) {
      case HostFiles.Found found -> {
        groups = GroupFile.parse(found.bytes(), MAX_ACCOUNTS);
        skipped += groups.skipped;
      }
      case HostFiles.Missing missing -> notes.add("group not found");
      case HostFiles.Unreadable unreadable ->
          notes.add("group not readable: " + unreadable.reason());
    }
    Optional<Map<String, ShadowEntry>> shadow = Optional.empty();
    switch (files.read(files.resolve("/etc/shadow"), MAX_FILE_BYTES)) {
      case HostFiles.Found found -> {
        ShadowEntry.Parsed parsed = ShadowEntry.parse(found.bytes(), MAX_ACCOUNTS);
        skipped += parsed.skipped();
        shadow = Optional.of(parsed.entries());
      }
      case HostFiles.Missing missing -> notes.add("shadow not found");
      case HostFiles.Unreadable unreadable ->
          notes.add("shadow not readable by the agent: " + unreadable.reason());
    }
    Sudoers sudoers = Sudoers.read(files);
    notes.addAll(sudoers.notes);
    LastLogins logins = LastLogins.read(files, entries, notes);
    Set<Long> running = RunningUids.read(files.resolve("/proc"), notes);
    if (notUtf8 > 0) {
      notes.add(notUtf8 + " passwd lines not in UTF-8 (shown with U+FFFD)");
    }

    List<Account> accounts = new ArrayList<>();
    for (PasswdEntry entry : entries) {
      List<String> memberOf = groups.groupsOf(entry.username(), entry.gid());
      List<String> privilegedBy = privilegedBy(entry, memberOf, sudoers);
      boolean canLogIn = canLogIn(entry.shell());
      boolean human = entry.uid() >= minHumanUid && entry.uid() <= maxHumanUid;
      Optional<ShadowEntry> secrets = shadow.map(s -> s.get(entry.username()));
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("username", entry.username());
      json.put("uid", entry.uid());
      json.put("gid", entry.gid());
      json.put("home_directory", entry.home());
      json.put("shell", entry.shell());
      json.put("account_type", human ? (canLogIn ? "human" : "service") : "system");
      json.put("has_login_capability", canLogIn);
      json.put("has_running_processes", running.contains(entry.uid()));
      json.put(
          "account_locked",
          shadow.isEmpty() ? null : secrets.map(ShadowEntry::locked).orElse(false));
      secrets
          .flatMap(ShadowEntry::passwordExpires)
          .ifPresent(t -> json.put("password_expires_at", seconds(t)));
      secrets
          .flatMap(ShadowEntry::lastChanged)
          .ifPresent(t -> json.put("password_last_changed", seconds(t)));
      json.put("groups", memberOf);
      json.put("privileged", !privilegedBy.isEmpty());
      if (!privilegedBy.isEmpty()) {
        json.put("privileged_by", privilegedBy);
      }
      json.put(
          "password_set",
          shadow.isEmpty() ? null : secrets.map(ShadowEntry::passwordSet).orElse(false));
      secrets
          .flatMap(ShadowEntry::accountExpires)
          .ifPresent(t -> json.put("account_expires_at", seconds(t)));
      logins
          .of(entry.username(), entry.uid())
          .ifPresent(t -> json.put("last_login_at", seconds(t)));
      json.put("account_source", domain.contains(entry.username()) ? "domain" : "local");
      accounts.add(new Account(json, !privilegedBy.isEmpty(), canLogIn, human));
    }
    return new Found(passwdRead || !domain.isEmpty(), accounts, skipped, notes);
  }

  /** Why an account may act as root: uid 0, a privileged group, a sudoers rule naming it. */
  private static List<String> privilegedBy(
      PasswdEntry entry, List<String> memberOf, Sudoers sudoers) {
    List<String> reasons = new ArrayList<>();
    if (entry.uid() == 0) {
      reasons.add("uid 0");
    }
    for (String group : PRIVILEGED_GROUPS) {
      if (memberOf.contains(group)) {
        reasons.add("group " + group);
      }
    }
    if (sudoers.names(entry.username(), entry.uid(), entry.gid(), memberOf)) {
      reasons.add("sudoers");
    }
    return reasons;
  }

  /** One account as the output writes it, with what decides which are kept when space is short. */
  record Account(Map<String, Object> json, boolean privileged, boolean canLogIn, boolean human) {
    /** Lower first: privileged, then people who can log in, then others who can, then the rest. */
    int rank() {
      if (privileged) {
        return 0;
      }
      if (canLogIn) {
        return human ? 1 : 2;
      }
      return 3;
    }
  }

  /** What a scan found. */
  record Found(boolean anyRead, List<Account> accounts, int skipped, List<String> notes) {}

  /** Whether a shell lets the account sign in: anything but {@code nologin} and {@code false}. */
  static boolean canLogIn(String shell) {
    String name = shell.substring(shell.lastIndexOf('/') + 1);
    return !name.equals("nologin") && !name.equals("false");
  }

  /** A time as the original agent writes it: Unix seconds, as a string. */
  static String seconds(Instant time) {
    return Long.toString(time.getEpochSecond());
  }
}
