//! An ONNX model as an MLflow model directory: `MLmodel` (the `onnx` flavour and
//! `python_function` through it, with the input signature from the export's manifest), the
//! environment files `mlflow models serve` builds from, and the ONNX file itself.

use crate::model::onnx::Manifest;
use serde_json::json;

/// The versions an environment that serves the model installs: pandas 2, since with pandas
/// 3 a table's text columns reach the onnx flavour as Arrow strings, which onnxruntime
/// refuses (MLflow 3.17).
pub const REQUIREMENTS: &str = "mlflow>=3.0\nonnx>=1.14\nonnxruntime>=1.16\nnumpy\npandas<3\n";

/// `python_env.yaml`: the Python and requirements `mlflow models serve` sets up.
pub const PYTHON_ENV: &str =
    "python: '3.11'\nbuild_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n";

/// The files of the model directory but the ONNX file (`model.onnx`), by name.
pub fn files(
    manifest: &Manifest,
    mlflow_run_id: &str,
    created: &str,
) -> Vec<(&'static str, String)> {
    vec![
        ("MLmodel", mlmodel(manifest, mlflow_run_id, created)),
        ("python_env.yaml", PYTHON_ENV.to_string()),
        ("requirements.txt", REQUIREMENTS.to_string()),
    ]
}

/// `MLmodel`: a column signature (doubles and strings, as a table's columns feed the
/// model), the output tensor, the flavours.
fn mlmodel(manifest: &Manifest, mlflow_run_id: &str, created: &str) -> String {
    let inputs: Vec<_> = manifest
        .inputs
        .iter()
        .map(|i| json!({"type": i.kind, "name": i.name, "required": true}))
        .collect();
    let outputs = json!([{
        "type": "tensor",
        "tensor-spec": {"dtype": "float64", "shape": [-1, 1]},
        "name": manifest.output.name,
    }]);
    let quote = |v: &serde_json::Value| format!("'{}'", v.to_string().replace('\'', "''"));
    format!(
        "artifact_path: model\n\
         flavors:\n\
         \x20 onnx:\n\
         \x20   code: null\n\
         \x20   data: model.onnx\n\
         \x20   providers:\n\
         \x20   - CPUExecutionProvider\n\
         \x20 python_function:\n\
         \x20   data: model.onnx\n\
         \x20   env:\n\
         \x20     virtualenv: python_env.yaml\n\
         \x20   loader_module: mlflow.onnx\n\
         \x20   python_version: '3.11'\n\
         run_id: {mlflow_run_id}\n\
         signature:\n\
         \x20 inputs: {}\n\
         \x20 outputs: {}\n\
         \x20 params: null\n\
         utc_time_created: '{created}'\n",
        quote(&json!(inputs)),
        quote(&outputs),
    )
}
