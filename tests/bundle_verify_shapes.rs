//! The verifier over list and record types and the variable items `choices`,
//! `suggestions` and `invalid` (bundle format 4): shapes refer only to earlier types,
//! the items' chunks return what their use needs, and `value` is readable in `invalid`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking
mod common;

use common::{chunk, good};
use procc::bundle::{Rule, verify};
use procc::codegen::isa::Instr;
use procc::codegen::module::{BaseType, FieldDef, Module, Shape, TypeDef};

fn refused(m: &Module) -> procc::bundle::VerifyError {
    match verify(m) {
        Ok(()) => panic!("the module verified but should have been refused"),
        Err(e) => e,
    }
}

fn shape(name: &str, shape: Shape) -> TypeDef {
    TypeDef {
        name: name.into(),
        base: BaseType::Json,
        parent: None,
        choices: vec![],
        check: None,
        shape,
    }
}

/// Adds a chunk, returning its index.
fn add(m: &mut Module, code: Vec<Instr>) -> u32 {
    m.chunks.push(chunk(code));
    (m.chunks.len() - 1) as u32
}

#[test]
fn shapes_refer_only_to_earlier_types() {
    let mut m = good();
    let text = 0;
    m.types.push(shape("list", Shape::List(text)));
    let list = (m.types.len() - 1) as u32;
    m.types.push(shape(
        "record",
        Shape::Record(vec![FieldDef {
            name: "items".into(),
            ty: list,
            optional: true,
        }]),
    ));
    m.vars[0].ty = list;
    assert_eq!(verify(&m), Ok(()));

    let mut looping = m.clone();
    let own = (looping.types.len() - 1) as u32;
    looping.types[own as usize].shape = Shape::List(own);
    assert_eq!(refused(&looping).rule, Rule::TypeChain);

    let mut forward = m.clone();
    forward.types[list as usize].shape = Shape::List(list + 1);
    assert_eq!(refused(&forward).rule, Rule::TypeChain);

    let mut not_json = m;
    not_json.types[list as usize].base = BaseType::Text;
    assert_eq!(refused(&not_json).rule, Rule::TypeChain);
}

#[test]
fn choices_and_suggestions_return_lists_and_invalid_reads_value() {
    let mut m = good();
    let list = add(
        &mut m,
        vec![Instr::Str(0), Instr::MakeList(1), Instr::Return],
    );
    let other_list = add(&mut m, vec![Instr::MakeList(0), Instr::Return]);
    let message = add(
        &mut m,
        vec![
            Instr::Str(0),
            Instr::LoadValue,
            Instr::Concat(2),
            Instr::Return,
        ],
    );
    m.vars[0].choices = Some(list);
    m.vars[0].suggestions = Some(other_list);
    m.vars[0].invalid = Some(message);
    assert_eq!(verify(&m), Ok(()));

    let mut not_a_list = m.clone();
    not_a_list.chunks[other_list as usize] = chunk(vec![Instr::Str(0), Instr::Return]);
    assert_eq!(refused(&not_a_list).rule, Rule::ReturnType);

    let mut value_in_choices = m.clone();
    value_in_choices.chunks[list as usize] =
        chunk(vec![Instr::LoadValue, Instr::MakeList(1), Instr::Return]);
    assert_eq!(refused(&value_in_choices).rule, Rule::InstructionNotAllowed);

    let mut out_of_range = m;
    out_of_range.vars[0].invalid = Some(10_000);
    assert!(verify(&out_of_range).is_err());
}
