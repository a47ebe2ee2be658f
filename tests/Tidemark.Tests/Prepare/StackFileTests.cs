using Tidemark.Cli.Prepare;

namespace Tidemark.Tests.Prepare;

public sealed class StackFileTests
{
    private static readonly Dictionary<string, string> Env = new() { ["TAG"] = "1.4", ["REGISTRY"] = "127.0.0.1:5000", ["EMPTY"] = "" };

    private static (StackImages? Images, string? Error) Parse(string yaml) => StackFile.Parse(yaml, "stack.yml", k => Env.GetValueOrDefault(k));

    private static IReadOnlyList<string> Images(string yaml)
    {
        var (images, error) = Parse(yaml);
        Assert.True(error is null, error);
        return images!.Images.Select(i => i.Image).ToList();
    }

    [Fact]
    public void Reads_each_services_image_once_in_order_with_its_line()
    {
        var (images, error) = Parse("""
            version: "3.8"
            services:
              web:
                image: registry.example:5000/team/web:2
                deploy:
                  replicas: 2
              worker:
                image: "team/worker:2"
              cron:
                image: registry.example:5000/team/web:2
            volumes:
              data: {}
            """);

        Assert.Null(error);
        Assert.Equal(["registry.example:5000/team/web:2", "team/worker:2"], images!.Images.Select(i => i.Image));
        Assert.Equal(("web", 4), (images.Images[0].Service, images.Images[0].Line));
        Assert.Equal(("worker", 8), (images.Images[1].Service, images.Images[1].Line));
    }

    [Fact]
    public void Substitutes_variables_as_compose_does()
    {
        Assert.Equal(
            ["127.0.0.1:5000/app:1.4", "app:latest", "db:16", "cost$1", "x:set"],
            Images("""
                services:
                  a: { image: "${REGISTRY}/app:$TAG" }
                  b: { image: "app:${MISSING:-latest}" }
                  c: { image: "db:${EMPTY:-16}" }
                  d: { image: "cost$$1" }
                  e: { image: "x:${TAG:+set}" }
                """));
    }

    [Fact]
    public void An_unset_variable_is_an_error_naming_the_line_not_an_empty_string()
    {
        var (_, error) = Parse("services:\n  web:\n    image: app:${NOPE}\n");
        Assert.Equal("stack.yml:3: service web: image 'app:${NOPE}': variable NOPE is not set (the .env file is not read: export it)", error);

        (_, error) = Parse("services:\n  web:\n    image: app:${NOPE:?the tag is required}\n");
        Assert.Contains("variable NOPE is not set: the tag is required", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Anchors_aliases_and_merge_keys_are_followed()
    {
        Assert.Equal(["base:1", "override:2"], Images("""
            x-defaults: &defaults
              image: base:1
              restart: always
            services:
              one:
                <<: *defaults
              two:
                <<: *defaults
                image: override:2
            """));
    }

    [Fact]
    public void A_service_that_builds_its_image_pulls_nothing_and_says_so()
    {
        var (images, error) = Parse("""
            services:
              app:
                build: .
              db:
                image: postgres:16
            """);

        Assert.Null(error);
        Assert.Equal(["postgres:16"], images!.Images.Select(i => i.Image));
        Assert.Equal(["service app builds its image (build, no image): nothing to pull for it"], images.Notes);
    }

    [Theory]
    [InlineData("", "stack.yml: empty: a stack file has a services mapping")]
    [InlineData("- a\n- b\n", "stack.yml:1: the file is not a mapping (a stack file has a services mapping at the top)")]
    [InlineData("version: '3'\n", "stack.yml: no services: a stack file names its services under a top-level services key")]
    [InlineData("services:\n  - web\n", "stack.yml:2: services is not a mapping of service names")]
    [InlineData("services:\n  web: nginx\n", "stack.yml:2: service web is not a mapping")]
    [InlineData("services:\n  web:\n    ports: [80]\n", "stack.yml:3: service web has neither image nor build")]
    [InlineData("services:\n  web:\n    image: [a, b]\n", "stack.yml:3: service web: image is not a string")]
    [InlineData("services:\n  web:\n    image:\n", "stack.yml:3: service web: image is not a string")]
    [InlineData("services: {}\n", "stack.yml: services is empty")]
    [InlineData("services:\n  web:\n    image: a\n---\nservices: {}\n", "stack.yml:5: more than one YAML document; a stack file is one")]
    public void Anything_else_is_an_error_naming_the_place(string yaml, string expected)
    {
        var (images, error) = Parse(yaml);
        Assert.Null(images);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Invalid_yaml_names_the_line()
    {
        var (_, error) = Parse("services:\n  web:\n    image: \"unclosed\n");
        Assert.StartsWith("stack.yml:3: not valid YAML:", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_that_would_forge_a_line_is_escaped()
    {
        var (_, error) = Parse("services:\n  \"we\\nb\":\n    ports: [1]\n");
        Assert.DoesNotContain("\n", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_says_so()
    {
        var (_, error) = StackFile.Read("/nonexistent/stack.yml", _ => null);
        Assert.Equal("stack file /nonexistent/stack.yml does not exist", error);
    }

    [Theory]
    [InlineData("$", "a '$' ends the value (write $$ for a dollar)")]
    [InlineData("${A", "'${' is not closed")]
    [InlineData("${1A}", "'${1A}' does not name a variable")]
    [InlineData("${TAG/x/y}", "'${TAG/x/y}': unknown substitution (compose's are :- - :? ? :+ +)")]
    [InlineData("$-", "'$' must start a variable ($NAME or ${NAME}) or be written $$")]
    public void Bad_substitutions_are_named(string text, string expected)
    {
        var (value, error) = StackFile.Interpolate(text, k => Env.GetValueOrDefault(k));
        Assert.Null(value);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Defaults_may_hold_variables()
    {
        Assert.Equal(("app:1.4", null), StackFile.Interpolate("app:${NOPE:-${TAG}}", k => Env.GetValueOrDefault(k)));
        Assert.Equal(("app:", null), StackFile.Interpolate("app:${NOPE+x}", k => Env.GetValueOrDefault(k)));
        Assert.Equal(("app:", null), StackFile.Interpolate("app:${EMPTY-x}", k => Env.GetValueOrDefault(k)));
    }
}
