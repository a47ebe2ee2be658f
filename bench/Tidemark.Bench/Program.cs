using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Tidemark.Bench.PlanningBenchmarks).Assembly).Run(args);
