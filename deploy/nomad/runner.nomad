# runner as a Nomad job: runnerd under the exec driver (isolated with
# chroot and cgroups, its processes in the task's cgroup, so nothing
# leaks when the task stops, unlike raw_exec), the configuration written
# by a template, a script check through `runnerctl status --check`.
#
#   nomad job run deploy/nomad/runner.nomad
#
# runnerd and runnerctl must be installed on the clients (make install:
# /usr/local/sbin/runnerd, /usr/local/bin/runnerctl, and the libraries
# of deploy/docker/Dockerfile's runtime stage); the exec driver copies
# /usr/local into the task's chroot.  README.md beside this file says how
# to check it.

job "runner" {
  datacenters = ["dc1"]
  type        = "service"

  group "runner" {
    count = 1

    network {
      port "metrics" {
        static = 9464
      }
    }

    # Nomad restarts the task when runnerd exits (an essential app ended
    # with a failing status); runnerd itself restarts its instances.
    restart {
      attempts = 3
      interval = "5m"
      delay    = "15s"
      mode     = "delay"
    }

    task "runnerd" {
      driver = "exec"

      config {
        command = "/usr/local/sbin/runnerd"
        args    = ["-c", "${NOMAD_TASK_DIR}/runner.conf", "-s", "${NOMAD_TASK_DIR}/runnerd.sock"]
      }

      # Nomad sends kill_signal, waits kill_timeout, then SIGKILL: keep
      # kill_timeout above the longest stop_timeout (10 s) so that
      # runnerd stops every instance itself and exits 0.
      kill_signal  = "SIGTERM"
      kill_timeout = "30s"

      env {
        RUNNER_SOCKET = "${NOMAD_TASK_DIR}/runnerd.sock"
      }

      # The configuration, written before the task starts; a change
      # sends SIGHUP, which makes runnerd reload it (checked whole first:
      # a bad file keeps the running one).
      template {
        destination   = "local/runner.conf"
        change_mode   = "signal"
        change_signal = "SIGHUP"
        data          = <<EOT
# Metrics on the allocation's address, port 9464 (read-only).
metrics_listen = "0.0.0.0:9464";

apps = {
  worker = {
    command = ["sh", "-c", "echo started; while :; do sleep 3600; done"];
    instances = 2;
    autostart = true;
    restart = "always";
    stop_timeout = 10;
  };
  main = {
    command = ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"];
    autostart = true;
    restart = "on-failure";
    max_restarts = 5;
    restart_window = 60;
    on_exit = "shutdown";
    stop_timeout = 10;
    health = { exec = ["true"]; interval = 10; };
  };
};
EOT
      }

      # Script checks need Consul (Nomad's own services take http and
      # tcp checks only).
      service {
        name     = "runner"
        port     = "metrics"
        tags     = ["metrics"]

        # Exit 0: every instance running, ready and healthy; 1: one is
        # not (the check's output names it); 3: no runnerd.
        check {
          name     = "runner status --check"
          type     = "script"
          command  = "/usr/local/bin/runnerctl"
          args     = ["-s", "${NOMAD_TASK_DIR}/runnerd.sock", "status", "--check"]
          interval = "10s"
          timeout  = "3s"
        }
      }

      resources {
        cpu    = 100
        memory = 64
      }
    }
  }
}
