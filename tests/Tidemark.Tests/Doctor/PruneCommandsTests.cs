using Tidemark.Cli.Doctor;

namespace Tidemark.Tests.Doctor;

/// <summary>Issue 10: which command lines are prunes, read as a shell splits them.</summary>
public sealed class PruneCommandsTests
{
    [Theory]
    [InlineData("docker system prune -af", PruneKind.SystemPrune, true)]
    [InlineData("docker system prune --all --force --filter until=24h", PruneKind.SystemPrune, true)]
    [InlineData("/usr/bin/docker system prune -f --filter \"until=24h\"", PruneKind.SystemPrune, false)]
    [InlineData("/nix/store/0abc-docker-20.10.25/bin/docker system prune -f --all", PruneKind.SystemPrune, true)]
    [InlineData("docker system prune --all=true -f", PruneKind.SystemPrune, true)]
    [InlineData("docker image prune -a -f", PruneKind.ImagePrune, true)]
    [InlineData("docker image prune --filter until=24h -f", PruneKind.ImagePrune, false)]
    [InlineData("docker rmi $(docker images -q -f dangling=true)", PruneKind.ImageRemove, false)]
    [InlineData("docker images -q | xargs -r docker rmi", PruneKind.ImageRemove, false)]
    [InlineData("docker images -q | xargs -n 1 docker rmi", PruneKind.ImageRemove, false)]
    [InlineData("docker image rm old:1", PruneKind.ImageRemove, false)]
    [InlineData("docker image remove old:1", PruneKind.ImageRemove, false)]
    [InlineData("docker volume prune -f", PruneKind.VolumePrune, false)]
    [InlineData("docker container prune -f --filter until=24h", PruneKind.ContainerPrune, false)]
    [InlineData("docker builder prune -af", PruneKind.BuilderPrune, true)]
    [InlineData("docker buildx prune --force", PruneKind.BuilderPrune, false)]
    [InlineData("/bin/sh -c 'docker system prune -af >/dev/null 2>&1'", PruneKind.SystemPrune, true)]
    [InlineData("bash -lc \"cd /tmp && docker system prune --all --force\"", PruneKind.SystemPrune, true)]
    [InlineData("/bin/sh -ec \"sh -c 'docker image prune -af'\"", PruneKind.ImagePrune, true)]
    [InlineData("sudo -u root docker system prune -af", PruneKind.SystemPrune, true)]
    [InlineData("sudo --user root docker system prune -af", PruneKind.SystemPrune, true)]
    [InlineData("timeout -s KILL 1h nice -n 19 ionice -c 3 docker image prune -a -f", PruneKind.ImagePrune, true)]
    [InlineData("flock -n /run/prune.lock docker system prune -af", PruneKind.SystemPrune, true)]
    [InlineData("flock -n /run/prune.lock -c 'docker image prune -af'", PruneKind.ImagePrune, true)]
    [InlineData("su - deploy -c \"docker system prune -af\"", PruneKind.SystemPrune, true)]
    [InlineData("env DOCKER_HOST=unix:///run/docker.sock docker -H unix:///run/docker.sock system prune -a", PruneKind.SystemPrune, true)]
    [InlineData("DOCKER_HOST=unix:///run/docker.sock docker --config /root/.docker system prune -a", PruneKind.SystemPrune, true)]
    [InlineData("if true; then docker system prune -af; fi", PruneKind.SystemPrune, true)]
    [InlineData("docker system prune -af&>/dev/null", PruneKind.SystemPrune, true)]
    [InlineData("docker system prune -af>/dev/null", PruneKind.SystemPrune, true)]
    [InlineData("cd / && nohup docker system prune -af > /var/log/prune.log 2>&1 &", PruneKind.SystemPrune, true)]
    [InlineData("for i in $(docker images -q); do docker rmi $i; done", PruneKind.ImageRemove, false)]
    public void A_prune_is_recognised_with_its_all_flag(string text, PruneKind kind, bool all)
    {
        var prune = Assert.Single(PruneCommands.Find(text));
        Assert.Equal(kind, prune.Kind);
        Assert.Equal(all, prune.All);
    }

    [Theory]
    [InlineData("echo \"docker system prune -af\"")]
    [InlineData("echo docker system prune -af")]
    [InlineData("logger 'ran docker system prune -af'")]
    [InlineData("printf '%s' 'docker image prune -a' >> /var/log/x")]
    [InlineData("# docker system prune -af")]
    [InlineData("true # docker system prune -af")]
    [InlineData("docker-compose -f /srv/app.yml down --rmi all")]
    [InlineData("/usr/local/bin/docker-compose pull")]
    [InlineData("docker compose down")]
    [InlineData("docker ps -a")]
    [InlineData("docker system df")]
    [InlineData("docker image ls --all")]
    [InlineData("docker run --rm alpine docker system prune -af")]
    [InlineData("grep 'docker rmi' /var/log/syslog")]
    [InlineData("/usr/local/bin/tidemark run")]
    [InlineData("/usr/bin/tidemark watch")]
    [InlineData("podman system prune -af")]
    [InlineData("dockerd --data-root /var/lib/docker")]
    public void Other_commands_and_text_about_prunes_are_not_prunes(string text) =>
        Assert.Empty(PruneCommands.Find(text));

    [Fact]
    public void Programs_that_may_be_scripts_are_collected_for_the_caller()
    {
        List<string> scripts = [];
        Assert.Empty(PruneCommands.Find("/usr/local/bin/cleanup.sh --quiet; sh /opt/prune.sh; cd /tmp; sh -c 'x'", scripts));
        Assert.Equal(["/usr/local/bin/cleanup.sh", "/opt/prune.sh"], scripts);
    }

    [Fact]
    public void Shell_words_drop_quotes_redirections_and_comments()
    {
        Assert.Equal(
            [["a", "b c", "d\"e"], ["f"], ["g"], ["h", "i"]],
            ShellWords.Split("a 'b c' \"d\\\"e\" 2>&1 >/dev/null; f | g && h \\\n i # j k"));
    }

    [Fact]
    public void Script_lines_join_continuations_and_skip_comments_and_here_documents()
    {
        var script = "#!/bin/sh\n# docker system prune -af\ndocker image \\\n  prune -af\ncat <<'EOF' >/etc/motd\ndocker system prune -af\nEOF\ncat <<<\"x\"\necho done\n";

        Assert.Equal(
            [(3, "docker image   prune -af"), (5, "cat <<'EOF' >/etc/motd"), (8, "cat <<<\"x\""), (9, "echo done")],
            ShellWords.LogicalLines(script));
    }
}
