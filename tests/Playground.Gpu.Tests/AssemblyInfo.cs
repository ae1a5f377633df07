// GPU tests share one driver; running them one at a time keeps llvmpipe's threads from fighting over two cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
