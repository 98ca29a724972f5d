# Every input of the deployment. infra/README.md lists them with their defaults.

# --- where and what -------------------------------------------------------------------------

variable "region" {
  description = "AWS region. Kite Connect is in Mumbai, so ap-south-1 keeps order latency lowest."
  type        = string
  default     = "ap-south-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as ap-south-1."
  }
}

variable "project" {
  description = "Short project name, the first part of every resource name."
  type        = string
  default     = "algo"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.project))
    error_message = "project must be 2-16 characters: lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "environment" {
  description = "Environment name (prod, staging, ...), the second part of every resource name, the queues' included: a staging stack never consumes production's orders. Use one AWS account per environment all the same (aws_account_id)."
  type        = string
  default     = "prod"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.environment))
    error_message = "environment must be 2-10 lowercase letters or digits, starting with a letter."
  }
}

variable "aws_account_id" {
  description = "The AWS account this environment lives in (the provider's allowed_account_ids): a plan or apply with another account's credentials stops before it changes anything."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "aws_account_id must be the 12-digit account id."
  }
}

variable "tags" {
  description = "Extra tags for every resource (Project, Environment and ManagedBy are always set)."
  type        = map(string)
  default     = {}

  validation {
    condition     = length(var.tags) <= 40 && alltrue([for k in keys(var.tags) : length(k) <= 128])
    error_message = "At most 40 extra tags, keys of at most 128 characters."
  }
}

# --- network --------------------------------------------------------------------------------

variable "vpc_cidr" {
  description = "The VPC's IPv4 range, /16 to /20. Public subnets take small blocks at its start, private subnets larger blocks after them."
  type        = string
  default     = "10.40.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && try(tonumber(split("/", var.vpc_cidr)[1]) >= 16 && tonumber(split("/", var.vpc_cidr)[1]) <= 20, false)
    error_message = "vpc_cidr must be an IPv4 CIDR block between /16 and /20."
  }
}

variable "az_count" {
  description = "Availability zones to spread the private subnets over (RDS needs at least two). There are two NATs, so two static IPs, whatever the count: a third zone leaves through the first NAT."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 3 && floor(var.az_count) == var.az_count
    error_message = "az_count must be 2 or 3."
  }
}

variable "nat" {
  description = "How the private subnets reach Kite: instance (two fck-nat instances, ~$4 a month each) or gateway (two managed NAT gateways, ~$41 each). Either way two Elastic IPs, the primary and secondary IPs registered with Kite."
  type        = string
  default     = "instance"

  validation {
    condition     = contains(["instance", "gateway"], var.nat)
    error_message = "nat must be instance or gateway."
  }
}

variable "nat_instance_type" {
  description = "EC2 type of the NAT instances (Graviton, for the arm64 fck-nat AMI). A t4g.nano forwards far more than one family's orders and ticks."
  type        = string
  default     = "t4g.nano"

  validation {
    condition     = can(regex("^[a-z][0-9]+g[a-z]*\\.[a-z0-9]+$", var.nat_instance_type))
    error_message = "nat_instance_type must be a Graviton type such as t4g.nano."
  }
}

variable "nat_ami_id" {
  description = "A fixed AMI for the NAT instances; null takes the newest fck-nat AL2023 arm64 AMI when an instance is created (later releases never replace a running one)."
  type        = string
  default     = null

  validation {
    condition     = var.nat_ami_id == null || can(regex("^ami-[0-9a-f]{8,17}$", var.nat_ami_id))
    error_message = "nat_ami_id must be null or an AMI id (ami-...)."
  }
}

# --- Lambda functions -----------------------------------------------------------------------

variable "lambda_package_dir" {
  description = "Directory holding <package>/bootstrap.zip for the arm64 Lambdas, as scripts/package writes them; relative paths are relative to infra/."
  type        = string
  default     = "../target/package/lambda-arm64"

  validation {
    condition     = length(trimspace(var.lambda_package_dir)) > 0 && !endswith(var.lambda_package_dir, "/")
    error_message = "lambda_package_dir must be a directory path without a trailing slash."
  }
}

variable "api_memory_mb" {
  description = "Memory of the api Lambda (MB); CPU grows with it."
  type        = number
  default     = 256

  validation {
    condition     = var.api_memory_mb >= 128 && var.api_memory_mb <= 10240
    error_message = "api_memory_mb must be between 128 and 10240."
  }
}

variable "api_timeout_seconds" {
  description = "Timeout of the api Lambda. API Gateway gives up after 30 s, so at most 29."
  type        = number
  default     = 29

  validation {
    condition     = var.api_timeout_seconds >= 3 && var.api_timeout_seconds <= 29
    error_message = "api_timeout_seconds must be between 3 and 29."
  }
}

variable "reserve_concurrency" {
  description = "Reserve api_max_concurrency for the api and executor_max_concurrency + 1 for the executor. Lambda keeps 100 of an account's concurrency unreserved, so a new account (quota 10) cannot reserve any: leave this false until Service Quotas has raised \"Concurrent executions\" (L-B99A9384) to at least 100 + both reservations (ask for 1000)."
  type        = bool
  default     = false
}

variable "api_max_concurrency" {
  description = "The api Lambda's reserved concurrency when reserve_concurrency is true (without it the account's quota bounds it). Each instance holds at most db_pool_size Postgres connections: README \"Database connections\"."
  type        = number
  default     = 10

  validation {
    condition     = var.api_max_concurrency >= 1 && var.api_max_concurrency <= 1000 && floor(var.api_max_concurrency) == var.api_max_concurrency
    error_message = "api_max_concurrency must be a whole number between 1 and 1000."
  }
}

variable "api_throttle_rate_limit" {
  description = "API Gateway steady-state request limit (requests per second, whole API)."
  type        = number
  default     = 50

  validation {
    condition     = var.api_throttle_rate_limit > 0 && var.api_throttle_rate_limit <= 10000
    error_message = "api_throttle_rate_limit must be between 1 and 10000."
  }
}

variable "api_throttle_burst_limit" {
  description = "API Gateway burst limit (requests)."
  type        = number
  default     = 100

  validation {
    condition     = var.api_throttle_burst_limit >= 1 && var.api_throttle_burst_limit <= 5000
    error_message = "api_throttle_burst_limit must be between 1 and 5000."
  }
}

variable "executor_memory_mb" {
  description = "Memory of the executor Lambda (MB)."
  type        = number
  default     = 256

  validation {
    condition     = var.executor_memory_mb >= 128 && var.executor_memory_mb <= 10240
    error_message = "executor_memory_mb must be between 128 and 10240."
  }
}

variable "executor_timeout_seconds" {
  description = "Timeout of the executor Lambda. A timer fires up to two minutes before the order second and the executor waits for it, then follows the order to a final status, so keep it at 150 s or more. The orders queue's visibility timeout is 6x this."
  type        = number
  default     = 180

  validation {
    condition     = var.executor_timeout_seconds >= 30 && var.executor_timeout_seconds <= 900
    error_message = "executor_timeout_seconds must be between 30 and 900 (Lambda's limit)."
  }
}

variable "executor_max_concurrency" {
  description = "Executor instances the orders queue may drive at once (the event source's maximum concurrency, at least 2). Each takes a batch of up to executor_batch_size orders, so 3 x 10 = 30 orders can wait for their second together: a family's strategies due in one minute. With reserve_concurrency the executor reserves one more, for the sweep. The default fits a new account's quota of 10 with the sweep and the api."
  type        = number
  default     = 3

  validation {
    condition     = var.executor_max_concurrency >= 2 && var.executor_max_concurrency <= 1000 && floor(var.executor_max_concurrency) == var.executor_max_concurrency
    error_message = "executor_max_concurrency must be a whole number between 2 and 1000."
  }
}

variable "db_pool_size" {
  description = "ALGO_DATABASE_POOL_SIZE: Postgres connections each Lambda instance (and the feed worker) may hold. Lambda instances are many and small: one or two each keeps the total under what RDS accepts (README \"Database connections\")."
  type        = number
  default     = 2

  validation {
    condition     = var.db_pool_size >= 1 && var.db_pool_size <= 20 && floor(var.db_pool_size) == var.db_pool_size
    error_message = "db_pool_size must be a whole number between 1 and 20."
  }
}

variable "executor_batch_size" {
  description = "Order messages per executor invocation (SQS FIFO allows at most 10)."
  type        = number
  default     = 10

  validation {
    condition     = var.executor_batch_size >= 1 && var.executor_batch_size <= 10
    error_message = "executor_batch_size must be between 1 and 10 for a FIFO queue."
  }
}

variable "log_level" {
  description = "RUST_LOG for the Lambdas and the feed worker."
  type        = string
  default     = "info"

  validation {
    condition     = can(regex("^[a-z0-9_:=,]+$", var.log_level))
    error_message = "log_level must be a RUST_LOG filter such as info or info,algo_app=debug."
  }
}

variable "log_retention_days" {
  description = "Retention of every CloudWatch log group (Lambdas, API access log, feed worker, RDS, Redis, VPC flow logs)."
  type        = number
  default     = 90

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
}

# --- application settings -------------------------------------------------------------------

variable "kite_api_key" {
  description = "The platform's Kite Connect api_key (ALGO_KITE_API_KEY). Not a secret: it appears in Kite's login URL. No access token is configured: market data runs on the trader's login of the day, stored by the app."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9]{6,64}$", var.kite_api_key))
    error_message = "kite_api_key must be 6-64 letters or digits."
  }
}

variable "broker_key_id" {
  description = "ALGO_BROKER_KEY_ID: the label stored with every sealed broker secret, naming the data key in the broker-key secret. Change it only together with a new data key."
  type        = string
  default     = "kms-v1"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,64}$", var.broker_key_id))
    error_message = "broker_key_id must be 1-64 characters: letters, digits, dot, underscore, hyphen."
  }
}

variable "algo_id" {
  description = "ALGO_ALGO_ID: the exchange's algo id, sent with every order, once a strategy above 10 orders a second is registered with the exchange. Null sends none: below that rate the broker applies its generic id."
  type        = string
  default     = null

  validation {
    condition     = var.algo_id == null || can(regex("^[^\\s]{1,64}$", var.algo_id))
    error_message = "algo_id must be null or one word of at most 64 characters."
  }
}

variable "cors_origins" {
  description = "ALGO_CORS_ORIGINS: origins of the app's web build allowed to call the API. Empty allows none (the mobile app needs no CORS)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for o in var.cors_origins : can(regex("^https?://[^/,\\s]+$", o))])
    error_message = "Each CORS origin must look like https://app.example.com (scheme and host, no path, no wildcard)."
  }
}

# --- Postgres (RDS) ---------------------------------------------------------------------------

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.micro"

  validation {
    condition     = can(regex("^db\\.[a-z0-9]+\\.[a-z0-9]+$", var.db_instance_class))
    error_message = "db_instance_class must look like db.t4g.micro."
  }
}

variable "db_max_connections" {
  description = "What the RDS instance accepts (its max_connections); null takes the default for db_instance_class from the table in main.tf. Plan refuses a configuration whose connection budget exceeds 80% of it, and the db-connections alarm fires there."
  type        = number
  default     = null

  validation {
    condition     = var.db_max_connections == null || try(var.db_max_connections >= 20, false)
    error_message = "db_max_connections must be null or at least 20."
  }
}

variable "db_engine_version" {
  description = "PostgreSQL major version (or major.minor). Minor upgrades are applied automatically in the maintenance window."
  type        = string
  default     = "16"

  validation {
    condition     = can(regex("^1[4-9](\\.[0-9]+)?$", var.db_engine_version))
    error_message = "db_engine_version must be PostgreSQL 14 or later, e.g. 16 or 16.4."
  }
}

variable "db_allocated_storage" {
  description = "Initial RDS storage (GiB, gp3)."
  type        = number
  default     = 20

  validation {
    condition     = var.db_allocated_storage >= 20 && var.db_allocated_storage <= 65536
    error_message = "db_allocated_storage must be between 20 and 65536 GiB."
  }
}

variable "db_max_allocated_storage" {
  description = "Ceiling for RDS storage autoscaling (GiB)."
  type        = number
  default     = 100

  validation {
    condition     = var.db_max_allocated_storage >= 20 && var.db_max_allocated_storage <= 65536
    error_message = "db_max_allocated_storage must be between 20 and 65536 GiB."
  }
}

variable "db_multi_az" {
  description = "Run a standby RDS instance in a second zone (about doubles the RDS bill)."
  type        = bool
  default     = false
}

variable "db_backup_retention_days" {
  description = "Days of automated RDS backups (point-in-time restore window)."
  type        = number
  default     = 7

  validation {
    condition     = var.db_backup_retention_days >= 1 && var.db_backup_retention_days <= 35
    error_message = "db_backup_retention_days must be between 1 and 35 (0 would turn backups off)."
  }
}

variable "db_deletion_protection" {
  description = "Refuse to delete the database (and the ledger table) until this is turned off."
  type        = bool
  default     = true
}

variable "db_performance_insights" {
  description = "Turn on Performance Insights (7 days, encrypted with the platform key). Check that the instance class supports it."
  type        = bool
  default     = false
}

variable "db_password_rotation_days" {
  description = "Days between rotations of the RDS-managed master password. The Lambdas fetch the password at cold start and the feed worker when its task starts; a warm instance (or the running feed worker) opening a new connection after a rotation is refused until it is recycled, so rotations stay rare."
  type        = number
  default     = 365

  validation {
    condition     = var.db_password_rotation_days >= 1 && var.db_password_rotation_days <= 1000
    error_message = "db_password_rotation_days must be between 1 and 1000."
  }
}

# --- Redis (ElastiCache) --------------------------------------------------------------------

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.t4g.micro"

  validation {
    condition     = can(regex("^cache\\.[a-z0-9]+\\.[a-z0-9]+$", var.redis_node_type))
    error_message = "redis_node_type must look like cache.t4g.micro."
  }
}

variable "redis_engine_version" {
  description = "Redis OSS engine version (major.minor)."
  type        = string
  default     = "7.1"

  validation {
    condition     = can(regex("^[67]\\.[0-9]+$", var.redis_engine_version))
    error_message = "redis_engine_version must be 6.x or 7.x (AUTH with in-transit encryption)."
  }
}

variable "redis_num_cache_clusters" {
  description = "Redis nodes: 1 is a single primary; 2 or more adds replicas with automatic failover across zones."
  type        = number
  default     = 1

  validation {
    condition     = var.redis_num_cache_clusters >= 1 && var.redis_num_cache_clusters <= 6 && floor(var.redis_num_cache_clusters) == var.redis_num_cache_clusters
    error_message = "redis_num_cache_clusters must be a whole number from 1 to 6."
  }
}

variable "redis_snapshot_retention_days" {
  description = "Days of daily Redis snapshots (Postgres is the system of record; Redis can be rebuilt from it)."
  type        = number
  default     = 1

  validation {
    condition     = var.redis_snapshot_retention_days >= 1 && var.redis_snapshot_retention_days <= 35
    error_message = "redis_snapshot_retention_days must be between 1 and 35."
  }
}

# --- feed worker (ECS Fargate) --------------------------------------------------------------

variable "feed_worker_image" {
  description = "Container image of the feed worker (feed-worker/Dockerfile), with a tag or digest, e.g. the registry output's URL plus :v1."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9./_:-]*[a-z0-9](:[A-Za-z0-9_.-]{1,128}|@sha256:[a-f0-9]{64})$", var.feed_worker_image))
    error_message = "feed_worker_image must name an image with an explicit tag or sha256 digest."
  }
}

variable "feed_worker_cpu" {
  description = "Fargate CPU units of the feed worker task."
  type        = number
  default     = 256

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.feed_worker_cpu)
    error_message = "feed_worker_cpu must be 256, 512, 1024, 2048 or 4096."
  }
}

variable "feed_worker_memory" {
  description = "Fargate memory of the feed worker task (MiB), valid for the CPU chosen."
  type        = number
  default     = 512

  validation {
    condition     = var.feed_worker_memory >= 512 && var.feed_worker_memory <= 30720
    error_message = "feed_worker_memory must be between 512 and 30720 MiB."
  }
}

variable "feed_worker_cpu_architecture" {
  description = "CPU architecture of the feed worker image: ARM64 (scripts/package) or X86_64 (scripts/package --x86-only)."
  type        = string
  default     = "ARM64"

  validation {
    condition     = contains(["ARM64", "X86_64"], var.feed_worker_cpu_architecture)
    error_message = "feed_worker_cpu_architecture must be ARM64 or X86_64."
  }
}

variable "feed_worker_always_on" {
  description = "Run the feed worker around the clock. False (the default) scales its service to 1 task on weekdays from feed_worker_weekday_hours and to 0 after, plus each special session in the calendar file: stop-losses are watched only while the market is open, for a fifth of the Fargate bill."
  type        = bool
  default     = false
}

variable "feed_worker_weekday_hours" {
  description = "IST hours (HH:MM) between which the feed worker runs Monday to Friday when not always on: before the 09:00 pre-open, after the 15:30 close (and NSE's F&O until 15:40)."
  type        = object({ start = string, stop = string })
  default     = { start = "08:45", stop = "16:00" }

  validation {
    # HH:MM compared as the number HHMM (Terraform compares numbers only).
    condition = alltrue([for t in [var.feed_worker_weekday_hours.start, var.feed_worker_weekday_hours.stop] : can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]$", t))]) && try(
      tonumber(replace(var.feed_worker_weekday_hours.start, ":", "")) < tonumber(replace(var.feed_worker_weekday_hours.stop, ":", "")),
      false
    )
    error_message = "feed_worker_weekday_hours needs start and stop as HH:MM (24 h, IST), start before stop."
  }
}

variable "calendar_file" {
  description = "The trading calendar whose `session` lines (Muhurat, a budget Saturday) also start the feed worker, from 30 minutes before to 30 minutes after; relative paths are relative to infra/. Re-apply after editing it."
  type        = string
  default     = "../crates/core/data/calendar.txt"

  validation {
    condition     = length(trimspace(var.calendar_file)) > 0
    error_message = "calendar_file must name a file."
  }
}

variable "container_insights" {
  description = "ECS Container Insights on the feed worker's cluster: needed by the feed-worker-not-running alarm; costs a few dollars a month."
  type        = bool
  default     = true
}

# --- secrets and alarms ---------------------------------------------------------------------

variable "secret_recovery_window_days" {
  description = "Days a deleted Secrets Manager secret can still be restored (0 deletes at once)."
  type        = number
  default     = 7

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "secret_recovery_window_days must be 0 or between 7 and 30."
  }
}

variable "alarm_email" {
  description = "E-mail address subscribed to the alarm topic (confirm the subscription mail). Required: an alarm nobody receives is no alarm."
  type        = string

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be an e-mail address."
  }
}
