package com.liftos.security.ratelimit;

/** What a decision does to the buckets: {@link RateLimiter#acquire}, {@link RateLimiter#peek}, {@link RateLimiter#spend}. */
enum BucketMode { TAKE, PEEK, SPEND }
