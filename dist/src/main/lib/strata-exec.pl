# strata exec without a JVM: bin/strata runs `perl lib/strata-exec.pl INSTALL_DIR ARG...` (ARG... as bin/strata got
# them), which starts in about 10 ms where a JVM takes over 0.1 s. It must say and do exactly what the Java client
# does (org.strata.launcher.client.ExecCommand and DaemonClient; ExecClientParityTest in itests compares the two):
# the same request, output copied as it comes, the command's status, the same one-line errors.
#
# The protocol is documented in one place, the javadoc of org.strata.cli.wire.Frame and org.strata.cli.wire.Request
# (cli/): one REQUEST frame out; STDOUT and STDERR frames in until the EXIT frame.
#
# Only the plain command line is handled here: --home DIR, --debug, --allow-root VALUE (also as --opt=value), then
# `exec CMD [ARG...]`. Anything else (--help, an unknown or abbreviated option, `--`, a missing command, a home that
# is not a directory, a socket path too long for a Unix socket) goes to the Java client, which parses the command
# line fully and words its errors: bin/strata again, with STRATA_EXEC_CLIENT=java.
#
# Only modules of Debian's perl-base (Essential: on every host) are used.
use strict;
use warnings;
use Cwd ();
use Errno qw(ECONNRESET EINTR);
use Socket qw(AF_UNIX SOCK_STREAM pack_sockaddr_un);

use constant {
    VERSION => 1,                # Request.VERSION
    MAX_PAYLOAD => 1 << 20,      # Frame.MAX_PAYLOAD
    BROKEN_PIPE_STATUS => 141,   # DaemonClient.BROKEN_PIPE_STATUS: 128 + SIGPIPE
    SUN_PATH_MAX => 107,         # a Unix socket's path, in bytes, without its terminating NUL
};

my $install = shift @ARGV;
my @args = @ARGV;

sub java_client {
    $ENV{STRATA_EXEC_CLIENT} = 'java';
    my $launcher = "$install/bin/strata";
    no warnings 'exec'; # the line after it runs when exec fails
    exec {$launcher} $launcher, @args;
    print STDERR "strata: cannot run $launcher: $!\n";
    exit 1;
}

# The options before the subcommand, as CommandLine reads them (the last --home wins, --allow-root repeats).
my ($home, $debug, @allow_roots) = (undef, 0);
my $i = 0;
while ($i < @args) {
    my ($name, $value);
    if ($args[$i] eq '--debug') {
        $debug = 1;
        $i++;
        next;
    } elsif ($args[$i] =~ /\A--(home|allow-root)=(.*)\z/s) {
        ($name, $value) = ($1, $2);
        $i++;
    } elsif (($args[$i] eq '--home' || $args[$i] eq '--allow-root') && $i + 1 < @args) {
        ($name, $value) = (substr($args[$i], 2), $args[$i + 1]);
        $i += 2;
    } else {
        last;
    }
    if ($name eq 'home') {
        $home = $value;
    } else {
        push @allow_roots, $value;
    }
}
java_client() unless $i + 1 < @args && $args[$i] eq 'exec';
my @argv = @args[$i + 1 .. $#args];

# The caller's directory, as the JVM's user.dir (getcwd, symbolic links resolved).
my $cwd = Cwd::getcwd();
java_client() unless defined $cwd && $cwd =~ m{\A/};

# The home: --home, else STRATA_HOME, else the install directory; absolute and normalized as java.nio's Path.
for my $candidate ($ENV{STRATA_HOME}, $install) {
    $home = $candidate if !defined $home || $home eq '';
}
java_client() unless defined $home && $home ne '' && -d $home;
my @names;
for my $name (split m{/}, $home =~ m{\A/} ? $home : "$cwd/$home") {
    if ($name eq '..') {
        pop @names;
    } elsif ($name ne '' && $name ne '.') {
        push @names, $name;
    }
}
my $socket_path = join('/', '', @names, 'run', 'strata.sock');
java_client() if length($socket_path) > SUN_PATH_MAX;

# Handled here from now on. SIGPIPE ignored, so a closed stdout is an error of the write (the JVM ignores it too);
# SIGINT, SIGTERM and SIGHUP end the process with 128 + the signal's number, as the JVM's handlers do (unless the
# caller had them ignored, which the JVM keeps too).
$SIG{PIPE} = 'IGNORE';
my %number = (HUP => 1, INT => 2, TERM => 15);
for my $signal (keys %number) {
    my $status = 128 + $number{$signal};
    $SIG{$signal} = sub { exit $status } unless ($SIG{$signal} // '') eq 'IGNORE';
}

sub fail {
    print STDERR "strata: $_[0]\n";
    exit 1;
}

sub lost {
    fail("lost the connection to the daemon on $socket_path: $_[0]");
}

# What org.strata.cli.wire.ProtocolException says.
sub protocol_error {
    lost("management socket protocol error: $_[0]");
}

socket(my $daemon, AF_UNIX, SOCK_STREAM, 0) or fail("cannot open a socket: $!");
unless (connect($daemon, pack_sockaddr_un($socket_path))) {
    my $why = "$!";
    fail("no daemon is answering on $socket_path (" . (-e $socket_path ? $why : 'no socket') . ')');
}

# The request (Request.encode): version, kind 'X' (exec), cwd, stdout a terminal, --debug, --allow-root values, argv.
sub strings { pack('N(N/a*)*', scalar @_, @_) }
my $request = pack('NaN/a*CC', VERSION, 'X', $cwd, -t STDOUT ? 1 : 0, $debug)
    . strings(@allow_roots) . strings(@argv);
if (length $request > MAX_PAYLOAD) {
    fail('the command line is too long: ' . length($request) . ' bytes, the limit is ' . MAX_PAYLOAD);
}
write_all($daemon, pack('aN', 'R', length $request) . $request) or lost("$!");

# Writes all of $data to a handle; false on an error ($! says which).
sub write_all {
    my ($handle, $data) = @_;
    my $offset = 0;
    while ($offset < length $data) {
        my $n = syswrite($handle, $data, length($data) - $offset, $offset);
        if (defined $n) {
            $offset += $n;
        } elsif ($! != EINTR) {
            return 0;
        }
    }
    return 1;
}

# Reads exactly $length bytes from the daemon; undef at the end of the stream before the first byte.
sub read_exactly {
    my ($length, $end_allowed) = @_;
    my $data = '';
    while (length $data < $length) {
        my $n = sysread($daemon, $data, $length - length $data, length $data);
        if (!defined $n) {
            next if $! == EINTR;
            lost($! == ECONNRESET ? 'Connection reset' : "$!"); # the JDK's words for a reset on reading
        } elsif ($n == 0) {
            return undef if $end_allowed && $data eq '';
            lost('connection closed in the middle of a frame');
        }
    }
    return $data;
}

# The frames (DaemonClient.awaitExit): output copied to ours as it comes, until the exit frame.
while (1) {
    my $header = read_exactly(5, 1);
    protocol_error('the daemon closed the connection before the command finished') unless defined $header;
    my ($type, $length) = unpack('al>', $header);
    protocol_error("frame length $length out of range") if $length < 0 || $length > MAX_PAYLOAD;
    my $payload = $length ? read_exactly($length, 0) : '';
    if ($type eq 'O' || $type eq 'E') {
        # our own stdout or stderr closed (`strata exec lb | head -1`): 141 at once, silently
        write_all($type eq 'O' ? \*STDOUT : \*STDERR, $payload) or exit BROKEN_PIPE_STATUS;
    } elsif ($type eq 'X') {
        protocol_error('malformed exit frame') unless $length == 4;
        exit unpack('l>', $payload);
    } else {
        protocol_error('unexpected frame type ' . unpack('c', $type));
    }
}
